/// Tables of realistic Spanish customer data for `ferry sample`.
enum SpanishData {
    /// A province: INE code (the first two digits of its postal codes), name, towns with a postal
    /// code each, the landline prefix, and a weight roughly proportional to its population.
    struct Province {
        let code: String
        let name: String
        let towns: [(name: String, postalCode: String)]
        let landlinePrefix: String
        let weight: Int
    }

    static let provinces: [Province] = [
        Province(
            code: "01", name: "Álava", towns: [("Vitoria-Gasteiz", "01001"), ("Llodio", "01400")],
            landlinePrefix: "945", weight: 3),
        Province(
            code: "02", name: "Albacete", towns: [("Albacete", "02001"), ("Hellín", "02400")], landlinePrefix: "967",
            weight: 4),
        Province(
            code: "03", name: "Alicante",
            towns: [("Alicante", "03001"), ("Elche", "03201"), ("Benidorm", "03501"), ("Torrevieja", "03181")],
            landlinePrefix: "965", weight: 19),
        Province(
            code: "04", name: "Almería", towns: [("Almería", "04001"), ("Roquetas de Mar", "04740")],
            landlinePrefix: "950", weight: 7),
        Province(code: "05", name: "Ávila", towns: [("Ávila", "05001")], landlinePrefix: "920", weight: 2),
        Province(
            code: "06", name: "Badajoz", towns: [("Badajoz", "06001"), ("Mérida", "06800")], landlinePrefix: "924",
            weight: 7),
        Province(
            code: "07", name: "Illes Balears", towns: [("Palma", "07001"), ("Ibiza", "07800"), ("Manacor", "07500")],
            landlinePrefix: "971", weight: 12),
        Province(
            code: "08", name: "Barcelona",
            towns: [
                ("Barcelona", "08001"), ("L'Hospitalet de Llobregat", "08901"), ("Badalona", "08911"),
                ("Sabadell", "08201"), ("Terrassa", "08221"),
            ], landlinePrefix: "93", weight: 56),
        Province(
            code: "09", name: "Burgos", towns: [("Burgos", "09001"), ("Miranda de Ebro", "09200")],
            landlinePrefix: "947", weight: 4),
        Province(
            code: "10", name: "Cáceres", towns: [("Cáceres", "10001"), ("Plasencia", "10600")], landlinePrefix: "927",
            weight: 4),
        Province(
            code: "11", name: "Cádiz",
            towns: [("Cádiz", "11001"), ("Jerez de la Frontera", "11401"), ("Algeciras", "11201")],
            landlinePrefix: "956", weight: 12),
        Province(
            code: "12", name: "Castellón", towns: [("Castellón de la Plana", "12001"), ("Vila-real", "12540")],
            landlinePrefix: "964", weight: 6),
        Province(
            code: "13", name: "Ciudad Real", towns: [("Ciudad Real", "13001"), ("Puertollano", "13500")],
            landlinePrefix: "926", weight: 5),
        Province(
            code: "14", name: "Córdoba", towns: [("Córdoba", "14001"), ("Lucena", "14900")], landlinePrefix: "957",
            weight: 8),
        Province(
            code: "15", name: "A Coruña",
            towns: [("A Coruña", "15001"), ("Santiago de Compostela", "15701"), ("Ferrol", "15401")],
            landlinePrefix: "981", weight: 11),
        Province(code: "16", name: "Cuenca", towns: [("Cuenca", "16001")], landlinePrefix: "969", weight: 2),
        Province(
            code: "17", name: "Girona", towns: [("Girona", "17001"), ("Figueres", "17600")], landlinePrefix: "972",
            weight: 8),
        Province(
            code: "18", name: "Granada", towns: [("Granada", "18001"), ("Motril", "18600")], landlinePrefix: "958",
            weight: 9),
        Province(code: "19", name: "Guadalajara", towns: [("Guadalajara", "19001")], landlinePrefix: "949", weight: 3),
        Province(
            code: "20", name: "Gipuzkoa", towns: [("Donostia-San Sebastián", "20001"), ("Irun", "20301")],
            landlinePrefix: "943", weight: 7),
        Province(code: "21", name: "Huelva", towns: [("Huelva", "21001")], landlinePrefix: "959", weight: 5),
        Province(code: "22", name: "Huesca", towns: [("Huesca", "22001")], landlinePrefix: "974", weight: 2),
        Province(
            code: "23", name: "Jaén", towns: [("Jaén", "23001"), ("Linares", "23700")], landlinePrefix: "953", weight: 6
        ),
        Province(
            code: "24", name: "León", towns: [("León", "24001"), ("Ponferrada", "24400")], landlinePrefix: "987",
            weight: 5),
        Province(code: "25", name: "Lleida", towns: [("Lleida", "25001")], landlinePrefix: "973", weight: 4),
        Province(code: "26", name: "La Rioja", towns: [("Logroño", "26001")], landlinePrefix: "941", weight: 3),
        Province(code: "27", name: "Lugo", towns: [("Lugo", "27001")], landlinePrefix: "982", weight: 3),
        Province(
            code: "28", name: "Madrid",
            towns: [
                ("Madrid", "28001"), ("Móstoles", "28931"), ("Alcalá de Henares", "28801"), ("Getafe", "28901"),
                ("Leganés", "28911"),
            ], landlinePrefix: "91", weight: 68),
        Province(
            code: "29", name: "Málaga", towns: [("Málaga", "29001"), ("Marbella", "29601"), ("Fuengirola", "29640")],
            landlinePrefix: "952", weight: 17),
        Province(
            code: "30", name: "Murcia", towns: [("Murcia", "30001"), ("Cartagena", "30201"), ("Lorca", "30800")],
            landlinePrefix: "968", weight: 15),
        Province(
            code: "31", name: "Navarra", towns: [("Pamplona", "31001"), ("Tudela", "31500")], landlinePrefix: "948",
            weight: 7),
        Province(code: "32", name: "Ourense", towns: [("Ourense", "32001")], landlinePrefix: "988", weight: 3),
        Province(
            code: "33", name: "Asturias", towns: [("Oviedo", "33001"), ("Gijón", "33201"), ("Avilés", "33400")],
            landlinePrefix: "985", weight: 10),
        Province(code: "34", name: "Palencia", towns: [("Palencia", "34001")], landlinePrefix: "979", weight: 2),
        Province(
            code: "35", name: "Las Palmas", towns: [("Las Palmas de Gran Canaria", "35001"), ("Telde", "35200")],
            landlinePrefix: "928", weight: 11),
        Province(
            code: "36", name: "Pontevedra", towns: [("Vigo", "36201"), ("Pontevedra", "36001")], landlinePrefix: "986",
            weight: 9),
        Province(code: "37", name: "Salamanca", towns: [("Salamanca", "37001")], landlinePrefix: "923", weight: 3),
        Province(
            code: "38", name: "Santa Cruz de Tenerife",
            towns: [("Santa Cruz de Tenerife", "38001"), ("San Cristóbal de La Laguna", "38201")],
            landlinePrefix: "922", weight: 10),
        Province(
            code: "39", name: "Cantabria", towns: [("Santander", "39001"), ("Torrelavega", "39300")],
            landlinePrefix: "942", weight: 6),
        Province(code: "40", name: "Segovia", towns: [("Segovia", "40001")], landlinePrefix: "921", weight: 2),
        Province(
            code: "41", name: "Sevilla",
            towns: [("Sevilla", "41001"), ("Dos Hermanas", "41700"), ("Alcalá de Guadaíra", "41500")],
            landlinePrefix: "954", weight: 19),
        Province(code: "42", name: "Soria", towns: [("Soria", "42001")], landlinePrefix: "975", weight: 1),
        Province(
            code: "43", name: "Tarragona", towns: [("Tarragona", "43001"), ("Reus", "43201")], landlinePrefix: "977",
            weight: 8),
        Province(code: "44", name: "Teruel", towns: [("Teruel", "44001")], landlinePrefix: "978", weight: 1),
        Province(
            code: "45", name: "Toledo", towns: [("Toledo", "45001"), ("Talavera de la Reina", "45600")],
            landlinePrefix: "925", weight: 7),
        Province(
            code: "46", name: "Valencia",
            towns: [("Valencia", "46001"), ("Torrent", "46900"), ("Gandia", "46701"), ("Paterna", "46980")],
            landlinePrefix: "96", weight: 26),
        Province(code: "47", name: "Valladolid", towns: [("Valladolid", "47001")], landlinePrefix: "983", weight: 5),
        Province(
            code: "48", name: "Bizkaia", towns: [("Bilbao", "48001"), ("Barakaldo", "48901"), ("Getxo", "48990")],
            landlinePrefix: "944", weight: 12),
        Province(code: "49", name: "Zamora", towns: [("Zamora", "49001")], landlinePrefix: "980", weight: 2),
        Province(
            code: "50", name: "Zaragoza", towns: [("Zaragoza", "50001"), ("Calatayud", "50300")], landlinePrefix: "976",
            weight: 10),
        Province(code: "51", name: "Ceuta", towns: [("Ceuta", "51001")], landlinePrefix: "956", weight: 1),
        Province(code: "52", name: "Melilla", towns: [("Melilla", "52001")], landlinePrefix: "952", weight: 1),
    ]

    static let femaleNames = [
        "María", "Carmen", "Ana", "Laura", "Lucía", "Marta", "Cristina", "Isabel", "Paula", "Elena", "Sara", "Raquel",
        "Pilar", "Rocío", "Nuria", "Beatriz", "Silvia", "Alba", "Irene", "Julia", "Noelia", "Patricia", "Montserrat",
        "Ainhoa", "Begoña", "Inmaculada", "María José", "Ana Belén", "María del Carmen", "Mercedes", "Lourdes",
        "Itziar",
    ]

    static let maleNames = [
        "Antonio", "José", "Manuel", "Francisco", "David", "Juan", "Javier", "Daniel", "Carlos", "Jesús", "Alejandro",
        "Miguel", "Rafael", "Pablo", "Sergio", "Fernando", "Jorge", "Luis", "Alberto", "Álvaro", "Adrián", "Iñaki",
        "Jordi", "Xavier", "José Luis", "Juan Carlos", "Francisco Javier", "Íñigo", "Ramón", "Andrés", "Joaquín",
        "Óscar",
    ]

    static let surnames = [
        "García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Martín",
        "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz", "Álvarez", "Romero", "Alonso", "Gutiérrez",
        "Navarro", "Torres", "Domínguez", "Vázquez", "Ramos", "Gil", "Ramírez", "Serrano", "Blanco", "Molina",
        "Morales", "Suárez", "Ortega", "Delgado", "Castro", "Ortiz", "Rubio", "Marín", "Sanz", "Núñez", "Iglesias",
        "Medina", "Garrido", "Cortés", "Castillo", "Santos", "Lozano", "Guerrero", "Cano", "Prieto", "Méndez", "Cruz",
        "Calvo", "Gallego", "Herrera", "Peña", "León", "Márquez", "Cabrera", "Vidal", "Campos", "Vega", "Fuentes",
        "Carrasco", "Reyes", "Caballero", "Aguilar", "Pascual", "Santana", "Herrero", "Montero", "Lorenzo", "Hidalgo",
        "Ibáñez", "Ferrer", "Durán", "Vicente", "Benítez", "Mora", "Arias", "Vargas", "Crespo", "Pastor", "Soler",
        "Etxeberria", "Goikoetxea", "Puig", "Vilaró", "Castañeda", "Echevarría", "Quiñones", "Peñalver",
    ]

    /// Surnames of more than one word: particles and hyphens a mapping must split right.
    static let compoundSurnames = [
        "de la Fuente", "del Río", "de los Santos", "de la Cruz", "de las Heras", "San Martín", "del Valle",
        "de la Torre", "García-Pelayo", "Fernández de Córdoba", "Martín-Sanz", "del Pozo", "San José", "de Miguel",
        "Ruiz de Alarcón", "de la Peña",
    ]

    static let streets = [
        "Calle Mayor", "Avenida de la Constitución", "Calle Real", "Plaza de España", "Calle de Alcalá",
        "Paseo de la Castellana", "Calle San Vicente", "Avenida Diagonal", "Gran Vía", "Camino de los Pinos",
        "Calle del Sol", "Ronda de Segovia", "Calle Nueva", "Travesía del Carmen", "Calle Doctor Fleming",
        "Avenida de Andalucía", "Calle Colón", "Rúa do Franco", "Carrer de Balmes", "Calle Luis Montoto",
    ]

    static let doors = ["", "", ", bajo", ", 1º A", ", 2º B", ", 3º izda.", ", 4º dcha.", ", 5º C", ", ático"]

    static let emailDomains = [
        "gmail.com", "gmail.com", "gmail.com", "hotmail.com", "hotmail.es", "yahoo.es", "outlook.es", "telefonica.net",
        "icloud.com",
    ]

    /// Notes as clinics and agencies write them: semicolons, quotes and line breaks included.
    static let notes = [
        "Prefiere cita por la tarde; no llamar antes de las 10",
        "Cliente \"VIP\" desde 2019",
        "Alergia al látex.\nRevisar ficha antes de cada cita",
        "Pide factura a nombre de la empresa; el CIF está en la ficha",
        "Viene recomendada por su hermana",
        "Dice: \"mejor por WhatsApp\"; confirmar siempre el día antes",
        "Tratamiento en curso\nSegunda sesión a los 15 días\nTercera, al mes",
        "Busca piso de 3 habitaciones en el centro; presupuesto máx. 250.000 €",
        "No quiere publicidad",
        "Pagó con tarjeta; pendiente devolver 20,50 €",
    ]
}

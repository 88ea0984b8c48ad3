/// The most frequent given names and surnames in Spain (INE's lists, plus Catalan, Basque and
/// Galician forms and the commonest English ones), folded, so `suggest` can tell a column of given
/// names from one of surnames when the header says nothing.
enum PersonNames {
    static let givenNames: Set<String> = Set(
        """
        maria carmen ana isabel laura cristina marta lucia josefa francisca dolores antonia elena sara paula pilar mercedes
        raquel manuela rosa teresa concepcion beatriz silvia julia irene patricia alba rocio encarnacion nuria montserrat
        angela monica andrea sonia sandra yolanda rosario noelia susana alicia marina margarita eva esther claudia natalia
        inmaculada veronica amparo carla sofia martina daniela valeria emma noa lola alejandra victoria lorena ines begona
        ainhoa itziar nerea leire maite amaia idoia miren arantxa uxue iratxe jone garazi nekane lourdes gloria consuelo
        adriana aurora catalina celia clara diana elisa estela eugenia fatima gemma gema judith leticia luisa macarena
        mar maribel matilde miriam nieves olga raquel remedios rebeca ruth sagrario soledad tamara trinidad vanesa virginia
        ximena xenia montse merce nuria roser nuria neus laia aina mireia anna berta carlota iria uxia antia xiana
        antonio jose manuel francisco david juan javier daniel carlos jesus alejandro miguel rafael pablo sergio fernando
        jorge luis alberto alvaro adrian angel diego ramon andres enrique joaquin oscar ruben ivan vicente raul victor
        santiago eduardo mario marcos roberto jaime ignacio alfonso hugo gonzalo salvador tomas agustin cristian samuel
        martin lucas mateo leo nicolas emilio felix guillermo gabriel rodrigo marc pau pol jordi xavier joan josep oriol
        arnau albert marti iker unai aitor asier mikel jon ander gorka inaki inigo xabier eneko ibai julen koldo urko
        xoan xose brais anxo breixo iago pedro pere julian julio cesar esteban ernesto lorenzo mariano nicanor benito
        bernardo domingo ismael jacobo josue aaron abel alexis bruno dario eric erik izan marco thiago dylan
        john james robert michael william richard thomas charles christopher mark paul steven andrew kevin brian george
        mary patricia jennifer linda elizabeth barbara susan jessica sarah karen nancy lisa betty sandra ashley emily
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))

    static let surnames: Set<String> = Set(
        """
        garcia rodriguez gonzalez fernandez lopez martinez sanchez perez gomez martin jimenez ruiz hernandez diaz moreno
        munoz alvarez romero alonso gutierrez navarro torres dominguez vazquez ramos gil ramirez serrano blanco molina
        morales suarez ortega delgado castro ortiz rubio marin sanz nunez iglesias medina garrido cortes castillo santos
        lozano guerrero cano prieto mendez cruz calvo gallego herrera pena leon marquez cabrera vidal campos vega fuentes
        carrasco reyes caballero aguilar pascual santana herrero montero lorenzo hidalgo ibanez ferrer duran vicente
        benitez mora arias vargas crespo pastor soler santiago parra bravo gallardo rojas rivera roman velasco mendoza
        diez esteban soto nieto carmona pardo sierra mendez aguilera franco marti pons puig roca vila font serra sala
        costa riera bosch vidal mas sola rovira camps ferrer coll casas prat roig valls pujol clemente villar lorente
        miranda beltran bueno rios cordero moya guzman quintana rey otero varela losada souto fernandez pereira vilar
        etxeberria goikoetxea aguirre zubizarreta urrutia echevarria echeverria arrieta ibarra olabarria gorostiza
        larrea uriarte bilbao zabala arana mugica elizondo azcona zubiri eguren vilaro castaneda quinones penalver
        acosta alarcon avila bermudez cabello calderon cuesta escobar espinosa figueroa granados leal luna macias mejia
        merino mesa montes navas ochoa orozco pacheco palacios paredes pineda ponce rosales salazar salinas solis toledo
        valencia valero vera zamora rivas robles aranda benito conde cuevas gimenez izquierdo jurado linares manzano
        maldonado marcos moreno osorio padilla palomo plaza quesada redondo salas sosa tapia trujillo valle
        smith johnson williams brown jones miller davis wilson anderson taylor thomas moore jackson white harris clark
        lewis walker hall allen young king wright scott green baker adams nelson hill campbell
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))

    static let particles: Set<String> = [
        "de", "del", "la", "las", "los", "y", "i", "san", "santa", "da", "do", "dos", "van", "von",
    ]

    /// Whether the first word of a value is a known given name (`María José`, `JOSÉ LUIS`).
    static func isGivenName(_ value: String) -> Bool {
        guard let first = HeaderVocabulary.fold(value).split(separator: " ").first else { return false }
        return givenNames.contains(String(first))
    }

    /// Whether the value's words, particles aside, are known surnames (`García de la Fuente`).
    static func isSurnames(_ value: String) -> Bool {
        let words = HeaderVocabulary.fold(value).split(separator: " ").map(String.init).filter {
            !particles.contains($0)
        }
        guard !words.isEmpty else { return false }
        let known = words.filter { surnames.contains($0) }.count
        return Double(known) >= 0.5 * Double(words.count) && !givenNames.contains(words[0])
    }
}

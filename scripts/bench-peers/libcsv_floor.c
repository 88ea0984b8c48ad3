/* The parse floor: libcsv reading the file in 256 KiB chunks and counting fields and records, with
   the same parser options Ferry uses (no trimming). Nothing is converted or written.
   Build: cc -O2 libcsv_floor.c -lcsv -o libcsv_floor   Run: ./libcsv_floor FILE ';' */
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned long fields, records;
static void on_field(void *data, size_t length, void *context) { (void)data; (void)length; (void)context; fields++; }
static void on_record(int end, void *context) { (void)end; (void)context; records++; }
static int is_space(unsigned char c) { (void)c; return 0; }

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: libcsv_floor FILE [DELIMITER]\n"); return 2; }
    FILE *file = fopen(argv[1], "rb");
    if (!file) { perror(argv[1]); return 1; }
    struct csv_parser parser;
    if (csv_init(&parser, CSV_APPEND_NULL) != 0) return 1;
    csv_set_delim(&parser, argc > 2 ? (unsigned char)argv[2][0] : ',');
    csv_set_space_func(&parser, is_space);
    static char buffer[256 * 1024];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, file)) > 0) {
        if (csv_parse(&parser, buffer, n, on_field, on_record, NULL) != n) {
            fprintf(stderr, "parse error: %s\n", csv_strerror(csv_error(&parser)));
            return 1;
        }
    }
    csv_fini(&parser, on_field, on_record, NULL);
    csv_free(&parser);
    fclose(file);
    printf("%lu records, %lu fields\n", records, fields);
    return 0;
}

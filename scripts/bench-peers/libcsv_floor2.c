/* The parse floor on two cores: the file's two halves (split at the first line feed after the
   middle) parsed at once by two libcsv parsers in two threads, each counting fields and records,
   with the parser options Ferry uses. Nothing is converted or written. The split does not look at
   quotes: a line feed inside a quoted field can move a record from one count to the other, never
   the work, which is what this measures.
   Build: cc -O2 -pthread libcsv_floor2.c -lcsv -o libcsv_floor2   Run: ./libcsv_floor2 FILE ';' */
#include <csv.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct half { const char *start; size_t length; unsigned char delimiter; unsigned long fields, records; };
static void on_field(void *data, size_t length, void *context) { (void)data; (void)length; ((struct half *)context)->fields++; }
static void on_record(int end, void *context) { (void)end; ((struct half *)context)->records++; }
static int is_space(unsigned char c) { (void)c; return 0; }

static void *parse(void *argument) {
    struct half *half = argument;
    struct csv_parser parser;
    if (csv_init(&parser, CSV_APPEND_NULL) != 0) exit(1);
    csv_set_delim(&parser, half->delimiter);
    csv_set_space_func(&parser, is_space);
    for (size_t done = 0; done < half->length;) {
        size_t n = half->length - done < 256 * 1024 ? half->length - done : 256 * 1024;
        if (csv_parse(&parser, half->start + done, n, on_field, on_record, half) != n) exit(1);
        done += n;
    }
    csv_fini(&parser, on_field, on_record, half);
    csv_free(&parser);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: libcsv_floor2 FILE [DELIMITER]\n"); return 2; }
    int fd = open(argv[1], O_RDONLY);
    struct stat info;
    if (fd < 0 || fstat(fd, &info) != 0) { perror(argv[1]); return 1; }
    size_t size = (size_t)info.st_size;
    const char *text = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (text == MAP_FAILED) { perror("mmap"); return 1; }
    const char *middle = memchr(text + size / 2, '\n', size - size / 2);
    size_t cut = middle ? (size_t)(middle - text) + 1 : size;
    unsigned char delimiter = argc > 2 ? (unsigned char)argv[2][0] : ',';
    struct half halves[2] = { { text, cut, delimiter, 0, 0 }, { text + cut, size - cut, delimiter, 0, 0 } };
    pthread_t second;
    pthread_create(&second, NULL, parse, &halves[1]);
    parse(&halves[0]);
    pthread_join(second, NULL);
    printf("%lu records, %lu fields\n", halves[0].records + halves[1].records, halves[0].fields + halves[1].fields);
    return 0;
}

/* A byte scanner with no library: counts records and fields of a CSV file, quotes respected
   (RFC 4180: "" inside quotes, delimiters and line breaks inside quotes). Reads 256 KiB chunks and
   jumps to the next special byte with memchr-like search, so it shows what parsing costs without
   libcsv's per-character callback. Build: cc -O2 scan_floor.c -o scan_floor */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: scan_floor FILE [DELIMITER]\n"); return 2; }
    FILE *file = fopen(argv[1], "rb");
    if (!file) { perror(argv[1]); return 1; }
    unsigned char delimiter = argc > 2 ? (unsigned char)argv[2][0] : ',';
    unsigned char special[256] = {0};
    special[delimiter] = 1; special['"'] = 1; special['\n'] = 1; special['\r'] = 1;
    static unsigned char buffer[256 * 1024];
    unsigned long fields = 0, records = 0;
    int quoted = 0, inRecord = 0;
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, file)) > 0) {
        const unsigned char *p = buffer, *end = buffer + n;
        while (p < end) {
            if (quoted) {
                const unsigned char *q = memchr(p, '"', end - p);
                if (!q) { p = end; break; }
                p = q + 1;
                quoted = 0;   /* a following '"' reopens: "" is a literal quote */
                continue;
            }
            while (p < end && !special[*p]) p++;
            if (p == end) { inRecord = 1; break; }
            unsigned char c = *p++;
            if (c == '"') { quoted = 1; inRecord = 1; }
            else if (c == delimiter) { fields++; inRecord = 1; }
            else if (inRecord) { fields++; records++; inRecord = 0; }
        }
    }
    if (inRecord) { fields++; records++; }
    fclose(file);
    printf("%lu records, %lu fields\n", records, fields);
    return 0;
}

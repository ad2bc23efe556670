/* Driver for the libFuzzer harnesses when libFuzzer is not available (gcc builds):
 *
 *   fuzz_X [-runs=N] [-seed=S] [-max_len=L] [FILE_OR_DIR...]
 *
 * replays the given files (every file of a directory), then feeds N pseudo-random inputs
 * (xorshift64*, seeded: a failure replays with the same -seed and -runs).
 * Half of the random inputs are biased towards WebSocket close frames (0x88 first byte,
 * short lengths, 126/127 extended lengths) and UTF-8 lead bytes.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t rng_state;

static uint64_t
rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

static int
run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long len;

    if (!f)
        return perror(path), 1;
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc(len ? (size_t)len : 1);
    if (fread(buf, 1, (size_t)len, f) != (size_t)len)
        return fclose(f), free(buf), 1;
    fclose(f);
    LLVMFuzzerTestOneInput(buf, (size_t)len);
    free(buf);
    return 0;
}

static int
run_path(const char *path)
{
    struct stat st;
    DIR *d;
    struct dirent *e;
    char sub[4096];
    int rc = 0;

    if (stat(path, &st) != 0)
        return perror(path), 1;
    if (!S_ISDIR(st.st_mode))
        return run_file(path);
    if (!(d = opendir(path)))
        return perror(path), 1;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
        rc |= run_path(sub);
    }
    closedir(d);
    return rc;
}

static const uint8_t interesting[] = {0x00, 0x01, 0x03, 0x7d, 0x7e, 0x7f, 0x80, 0x81, 0x88,
                                      0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4,
                                      0xf5, 0xfe, 0xff, 0x03, 0xe8, 0x0f, 0xa0};

static size_t
make_input(uint8_t *buf, size_t max_len)
{
    size_t len = (size_t)(rng() % (max_len + 1)), i;
    int biased = rng() & 1;

    for (i = 0; i < len; i++) {
        uint64_t r = rng();
        buf[i] = biased && (r & 3) == 0 ? interesting[(r >> 8) % sizeof(interesting)]
                                        : (uint8_t)(r >> 16);
    }
    if (biased && len >= 2) {
        buf[0] = (rng() & 1) ? 0x88 : buf[0];
        if ((rng() & 3) == 0)
            buf[1] = (buf[1] & 0x80) | (uint8_t)(126 + (rng() & 1));
    }
    return len;
}

int
main(int argc, char **argv)
{
    unsigned long long runs = 100000, seed = 1, run;
    size_t max_len = 256, len;
    uint8_t *buf;
    int i, rc = 0;

    for (i = 1; i < argc; i++) {
        if (strncmp(argv[i], "-runs=", 6) == 0)
            runs = strtoull(argv[i] + 6, NULL, 10);
        else if (strncmp(argv[i], "-seed=", 6) == 0)
            seed = strtoull(argv[i] + 6, NULL, 10);
        else if (strncmp(argv[i], "-max_len=", 9) == 0)
            max_len = (size_t)strtoull(argv[i] + 9, NULL, 10);
        else if (argv[i][0] == '-')
            ; /* libFuzzer options this driver does not know */
        else
            rc |= run_path(argv[i]);
    }
    rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;
    buf = malloc(max_len + 1);
    for (run = 0; run < runs; run++) {
        uint8_t *exact;

        len = make_input(buf, max_len);
        exact = malloc(len ? len : 1); /* exact size: ASan catches any overread */
        memcpy(exact, buf, len);
        LLVMFuzzerTestOneInput(exact, len);
        free(exact);
    }
    free(buf);
    printf("%s: %llu random inputs (seed %llu, max_len %zu), replayed %d path(s): ok\n", argv[0],
           runs, seed, max_len, argc - 1);
    return rc;
}

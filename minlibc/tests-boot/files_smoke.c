/*
 * minlibc's file tree booted (tests/boot, checks `files_*`): the same
 * program runs with the tree of files-tree/ embedded at link time (the
 * image files_embedded) and given as a boot module (files_smoke with
 * QEMU's -initrd or Xen's module), and prints what it finds: contents,
 * a directory listing, stat, symbolic links, the read-only refusals, a
 * /tmp round trip and /tmp filling up. Expected lines are in
 * files_smoke.expected. argv[1] "quiet" prints only the hello line (the
 * overlay check gives a module whose hello.txt differs).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

static const char *err(int e)
{
    switch (e) {
    case 0: return "0";
    case ENOENT: return "ENOENT";
    case EROFS: return "EROFS";
    case ENOSPC: return "ENOSPC";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EEXIST: return "EEXIST";
    default: return "other";
    }
}

static void show_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("files: %s: fopen failed (%s)\n", path, err(errno));
        return;
    }
    char line[200];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        printf("files: %s: [%s]\n", path, line);
    }
    fclose(f);
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void show_dir(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        printf("files: ls %s: failed (%s)\n", path, err(errno));
        return;
    }
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64)
        names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, by_name);
    printf("files: ls %s:", path);
    for (int i = 0; i < n; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "quiet")) {
        show_file("/hello.txt");
        return 0;
    }
    show_file("/hello.txt");
    show_file("/etc/alias");
    show_file("data/up");
    show_dir("/");
    show_dir("/data");
    struct stat st;
    int r = stat("/etc/config.txt", &st);
    printf("files: stat /etc/config.txt: %d regular %d size %ld\n", r, S_ISREG(st.st_mode), (long)st.st_size);
    r = lstat("/etc/alias", &st);
    printf("files: lstat /etc/alias: %d link %d\n", r, S_ISLNK(st.st_mode));
    r = stat("/data/nested", &st);
    printf("files: stat /data/nested: %d directory %d\n", r, S_ISDIR(st.st_mode));
    errno = 0;
    r = stat("/missing", &st);
    printf("files: stat /missing: %d %s\n", r, err(errno));
    char buf[256];
    printf("files: getcwd %s\n", getcwd(buf, sizeof buf));
    r = chdir("/data/nested");
    printf("files: chdir /data/nested: %d, getcwd %s\n", r, getcwd(buf, sizeof buf));
    show_file("deep.txt");
    chdir("/");
    char *real = realpath("/data/up", NULL);
    printf("files: realpath /data/up: %s\n", real ? real : "(null)");
    free(real);
    ssize_t k = readlink("/etc/alias", buf, sizeof buf);
    printf("files: readlink /etc/alias: %.*s\n", (int)(k > 0 ? k : 0), buf);

    /* read-only outside /tmp */
    errno = 0;
    r = open("/hello.txt", O_WRONLY);
    printf("files: open /hello.txt for writing: %d %s\n", r, err(errno));
    errno = 0;
    FILE *f = fopen("/new.txt", "w");
    printf("files: fopen /new.txt w: %s %s\n", f ? "opened" : "NULL", err(errno));
    errno = 0;
    r = unlink("/hello.txt");
    printf("files: unlink /hello.txt: %d %s\n", r, err(errno));

    /* /tmp: write, read back, delete */
    f = fopen("/tmp/note.txt", "w");
    fprintf(f, "written in /tmp\n");
    fclose(f);
    show_file("/tmp/note.txt");
    r = unlink("/tmp/note.txt");
    errno = 0;
    int gone = access("/tmp/note.txt", F_OK);
    printf("files: unlink /tmp/note.txt: %d, then access: %d %s\n", r, gone, err(errno));

    /* /tmp fills up at its limit (16 MiB by default) */
    int fd = open("/tmp/big", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    static char chunk[1 << 16];
    long total = 0;
    for (;;) {
        ssize_t w = write(fd, chunk, sizeof chunk);
        if (w < 0)
            break;
        total += w;
    }
    printf("files: /tmp full after %ld bytes: %s\n", total, err(errno));
    close(fd);
    r = unlink("/tmp/big");
    printf("files: unlink /tmp/big: %d\n", r);
    return 0;
}

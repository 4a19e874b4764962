/* A diagnostic for benches/routes.sh (BENCH_NODELAY=1), never part of the app:
 * preloaded into `spin up`, it sets TCP_NODELAY on every connection Spin
 * accepts, which Spin 3.6.3 does not. With it, the benchmark shows what
 * Nagle's algorithm and the client's delayed ACK cost a WASI P3 answer whose
 * headers leave before its body. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

static int no_delay(int fd) {
    if (fd >= 0) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return fd;
}

int accept4(int socket, struct sockaddr *address, socklen_t *length, int flags) {
    static int (*real)(int, struct sockaddr *, socklen_t *, int);
    if (!real) real = (int (*)(int, struct sockaddr *, socklen_t *, int))dlsym(RTLD_NEXT, "accept4");
    return no_delay(real(socket, address, length, flags));
}

int accept(int socket, struct sockaddr *address, socklen_t *length) {
    static int (*real)(int, struct sockaddr *, socklen_t *);
    if (!real) real = (int (*)(int, struct sockaddr *, socklen_t *))dlsym(RTLD_NEXT, "accept");
    return no_delay(real(socket, address, length));
}

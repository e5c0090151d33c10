// The C twin of bench/programs.ts: the same two workloads on real AF_NETLINK sockets, as plain
// syscalls, so the bench can print the kernel transport's figures as a ratio to what C gets on
// the same machine in the same run.
//
//   netlink_ref oneway N   N one-way NETLINK_USERSOCK messages (16-byte header + 64-byte
//                          payload), sendto with MSG_DONTWAIT then recvmsg with MSG_DONTWAIT,
//                          in batches of 64
//   netlink_ref ack N      N NLMSG_NOOP requests with NLM_F_ACK to NETLINK_ROUTE, each followed
//                          by a recvmsg (MSG_DONTWAIT) of its ACK
//
// Prints one line: "<workload> <n> <cpu-ns> <wall-ns> <checksum>" (CPU = user + system of this
// process), or "skip <reason>" with exit status 3 when AF_NETLINK is not available here.
#define _GNU_SOURCE
#include <errno.h>
#include <linux/netlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define PAYLOAD 64

static int64_t ns_of(const struct timespec *t) { return (int64_t)t->tv_sec * 1000000000LL + t->tv_nsec; }

static int64_t cpu_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return ns_of(&t);
}

static int64_t wall_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return ns_of(&t);
}

static int open_bound(int protocol) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
  if (fd < 0) {
    printf("skip socket(AF_NETLINK, SOCK_RAW, %d): %s\n", protocol, strerror(errno));
    exit(3);
  }
  struct sockaddr_nl a = {.nl_family = AF_NETLINK};
  if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
    printf("skip bind(AF_NETLINK, protocol %d): %s\n", protocol, strerror(errno));
    exit(3);
  }
  return fd;
}

static void die(const char *what) {
  fprintf(stderr, "netlink_ref: %s: %s\n", what, strerror(errno));
  exit(1);
}

static int64_t recv_one(int fd, uint8_t *buf, size_t size) {
  struct sockaddr_nl from;
  struct iovec iov = {buf, size};
  struct msghdr m = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1};
  ssize_t r = recvmsg(fd, &m, MSG_DONTWAIT);
  if (r < 0) die("recvmsg");
  return r;
}

static int64_t oneway(long n) {
  int tx = open_bound(NETLINK_USERSOCK), rx = open_bound(NETLINK_USERSOCK);
  struct sockaddr_nl to;
  socklen_t tolen = sizeof to;
  if (getsockname(rx, (struct sockaddr *)&to, &tolen) < 0) die("getsockname");
  uint8_t msg[NLMSG_HDRLEN + PAYLOAD];
  memset(msg, 0x61, sizeof msg);
  struct nlmsghdr *h = (struct nlmsghdr *)msg;
  *h = (struct nlmsghdr){.nlmsg_len = sizeof msg, .nlmsg_type = 16};
  uint8_t buf[4096];
  int64_t sum = 0;
  for (long done = 0; done < n;) {
    long k = n - done < BATCH ? n - done : BATCH;
    for (long i = 0; i < k; i++) {
      ssize_t r = sendto(tx, msg, sizeof msg, MSG_DONTWAIT, (struct sockaddr *)&to, sizeof to);
      if (r < 0) die("sendto");
      sum += r;
    }
    for (long i = 0; i < k; i++) sum += recv_one(rx, buf, sizeof buf);
    done += k;
  }
  close(tx);
  close(rx);
  return sum;
}

static int64_t ack(long n) {
  int s = open_bound(NETLINK_ROUTE);
  struct sockaddr_nl to = {.nl_family = AF_NETLINK};
  struct nlmsghdr req = {.nlmsg_len = NLMSG_HDRLEN, .nlmsg_type = NLMSG_NOOP,
                         .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK, .nlmsg_seq = 1};
  uint8_t buf[4096];
  int64_t sum = 0;
  for (long i = 0; i < n; i++) {
    ssize_t r = sendto(s, &req, sizeof req, 0, (struct sockaddr *)&to, sizeof to);
    if (r < 0) die("sendto");
    sum += r + recv_one(s, buf, sizeof buf);
  }
  close(s);
  return sum;
}

int main(int argc, char **argv) {
  long n = argc == 3 ? strtol(argv[2], NULL, 10) : 0;
  if (n <= 0 || (strcmp(argv[1], "oneway") != 0 && strcmp(argv[1], "ack") != 0)) {
    fprintf(stderr, "usage: netlink_ref oneway|ack N (N > 0)\n");
    return 2;
  }
  int64_t c0 = cpu_ns(), w0 = wall_ns();
  int64_t sum = strcmp(argv[1], "oneway") == 0 ? oneway(n) : ack(n);
  int64_t c1 = cpu_ns(), w1 = wall_ns();
  printf("%s %ld %lld %lld %lld\n", argv[1], n, (long long)(c1 - c0), (long long)(w1 - w0), (long long)sum);
  return 0;
}

/* A UDP echo server for network_test (busybox nc has no UDP listener): answers every datagram on
 * 0.0.0.0:<port> with "echo:" + the datagram. Linked statically so it runs in the busybox image. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: udp_echo PORT\n");
    return 2;
  }
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in address;
  memset(&address, 0, sizeof address);
  address.sin_family = AF_INET;
  address.sin_port = htons((unsigned short)atoi(argv[1]));
  if (fd < 0 || bind(fd, (struct sockaddr*)&address, sizeof address) != 0) {
    perror("udp_echo: bind");
    return 1;
  }
  for (;;) {
    char buffer[1500];
    char reply[1510];
    struct sockaddr_in peer;
    socklen_t length = sizeof peer;
    ssize_t n = recvfrom(fd, buffer, sizeof buffer, 0, (struct sockaddr*)&peer, &length);
    if (n < 0) continue;
    memcpy(reply, "echo:", 5);
    memcpy(reply + 5, buffer, (size_t)n);
    sendto(fd, reply, (size_t)n + 5, 0, (struct sockaddr*)&peer, length);
  }
}

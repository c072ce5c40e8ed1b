"""The binding of libusrsctp (Debian libusrsctp2 / libusrsctp-dev 0.9.5, userspace SCTP
of RFC 9260), the only module that touches its cffi ``ffi`` / ``lib``.

ABI mode (``ffi.dlopen``): the library is a system package, not part of the C core that
build.py compiles, so nothing is built for it. The declarations and constants below are
those of /usr/include/usrsctp.h (0.9.5), retyped because ABI mode cannot read a header:
a test compares each constant with the header when the header is installed.

The stack runs without threads (``usrsctp_init_nothreads``): it sends only from inside the
calls this process makes, and its timers advance only when ``handle_timers`` says so, so
the caller's clock (virtual or real) is the only clock. Packets leave through AF_CONN
(``conn_output``: the SCTP common header and chunks, no IP header, CRC32c computed by the
library) and enter through ``usrsctp_conninput``.
"""
from __future__ import annotations

from cffi import FFI

from ntnstack.errors import InputError

__all__ = ["AF_CONN", "ffi", "load"]

ffi = FFI()
ffi.cdef("""
typedef uint32_t sctp_assoc_t;
typedef uint32_t socklen_t;
struct socket;
struct sockaddr { uint16_t sa_family; char sa_data[14]; };
struct sockaddr_conn { uint16_t sconn_family; uint16_t sconn_port; void *sconn_addr; };
struct sctp_rcvinfo { uint16_t rcv_sid; uint16_t rcv_ssn; uint16_t rcv_flags;
    uint32_t rcv_ppid; uint32_t rcv_tsn; uint32_t rcv_cumtsn; uint32_t rcv_context;
    sctp_assoc_t rcv_assoc_id; };
struct sctp_sndinfo { uint16_t snd_sid; uint16_t snd_flags; uint32_t snd_ppid;
    uint32_t snd_context; sctp_assoc_t snd_assoc_id; };
struct sctp_initmsg { uint16_t sinit_num_ostreams; uint16_t sinit_max_instreams;
    uint16_t sinit_max_attempts; uint16_t sinit_max_init_timeo; };
struct sctp_event { sctp_assoc_t se_assoc_id; uint16_t se_type; uint8_t se_on; };

void usrsctp_init_nothreads(uint16_t,
    int (*)(void *addr, void *buffer, size_t length, uint8_t tos, uint8_t set_df),
    void (*)(const char *format, ...));
struct socket *usrsctp_socket(int domain, int type, int protocol, void *receive_cb,
    void *send_cb, uint32_t sb_threshold, void *ulp_info);
int usrsctp_setsockopt(struct socket *so, int level, int option_name,
    const void *option_value, socklen_t option_len);
int usrsctp_bind(struct socket *so, struct sockaddr *name, socklen_t namelen);
int usrsctp_listen(struct socket *so, int backlog);
int usrsctp_connect(struct socket *so, struct sockaddr *name, socklen_t namelen);
ssize_t usrsctp_sendv(struct socket *so, const void *data, size_t len, struct sockaddr *to,
    int addrcnt, void *info, socklen_t infolen, unsigned int infotype, int flags);
ssize_t usrsctp_recvv(struct socket *so, void *dbuf, size_t len, struct sockaddr *from,
    socklen_t *fromlen, void *info, socklen_t *infolen, unsigned int *infotype,
    int *msg_flags);
void usrsctp_close(struct socket *so);
int usrsctp_shutdown(struct socket *so, int how);
void usrsctp_conninput(void *, const void *, size_t, uint8_t);
int usrsctp_set_non_blocking(struct socket *, int);
void usrsctp_register_address(void *);
void usrsctp_deregister_address(void *);
void usrsctp_handle_timers(uint32_t elapsed_milliseconds);
uint32_t usrsctp_sysctl_get_sctp_rto_initial_default(void);
""")

LIBRARY = "libusrsctp.so.2"
AF_CONN = 123                  # usrsctp.h: the address family of AF_CONN sockets
SOCK_SEQPACKET = 5             # <bits/socket_type.h>: one-to-many style (RFC 6458 3)
IPPROTO_SCTP = 132
SCTP_INITMSG = 0x03            # usrsctp.h socket options (level IPPROTO_SCTP)
SCTP_NODELAY = 0x04
SCTP_EVENT = 0x1E
SCTP_RECVRCVINFO = 0x1F
SCTP_SENDV_SNDINFO = 1
SCTP_RECVV_RCVINFO = 1
SCTP_EOF = 0x0100               # snd_flags: graceful shutdown of the association
MSG_NOTIFICATION = 0x2000
SCTP_ASSOC_CHANGE = 0x0001     # notification types and sac_state values (RFC 6458 6.1.1)
SCTP_SHUTDOWN_EVENT = 0x0005
SCTP_COMM_UP = 1
SCTP_COMM_LOST = 2
SCTP_RESTART = 3
SCTP_SHUTDOWN_COMP = 4
SCTP_CANT_STR_ASSOC = 5
EAGAIN = 11
EINPROGRESS = 115
SHUT_RDWR = 2

_lib = None


def load(conn_output):
    """The library, initialised once per process with ``conn_output`` (a cffi callback of
    the usrsctp_init signature). InputError naming the Debian package when absent."""
    global _lib
    if _lib is None:
        try:
            lib = ffi.dlopen(LIBRARY)
        except OSError as exc:
            raise InputError(f"--sctp usrsctp: cannot load {LIBRARY} ({exc}); install the "
                             f"Debian package libusrsctp2 (libusrsctp-dev)") from None
        lib.usrsctp_init_nothreads(0, conn_output, ffi.NULL)
        _lib = lib
    return _lib

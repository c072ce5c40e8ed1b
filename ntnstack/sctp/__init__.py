"""ntnstack.sctp - SCTP for S1AP: userspace SCTP (libusrsctp) over in-memory or UDP links,
the kernel's SCTP sockets, and the choice between them (``--sctp auto|kernel|usrsctp``)."""

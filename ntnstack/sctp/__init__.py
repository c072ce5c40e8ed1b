"""ntnstack.sctp - SCTP for S1AP: userspace SCTP (libusrsctp) over in-memory or UDP links,
and the choice between it and the kernel's SCTP (``--sctp auto|kernel|usrsctp``)."""

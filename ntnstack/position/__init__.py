"""ntnstack.position - the terminal's position fed to its GNSS input: NMEA 0183 sentences
on a pty or serial port, and the AT forms of the families (see ``at_forms``)."""

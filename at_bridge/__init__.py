"""at_bridge - talks to satellite terminal modules (real or virtual) over serial links.

Imports nothing from ntnstack: usable alone.

Host side (drive a module): ``from at_bridge.drivers import open_module`` - see the docstring
of :mod:`at_bridge.drivers` for the whole vocabulary (power_on, identity, set_location,
attach, registration, signal, send_data / receive_data, send_sms / receive_sms, dial / answer
/ hang_up, card_info, send_short_message / receive_short_message).

What each family puts on the wire is in ``at_bridge/dialects/<family>.yaml`` (families:
``nbntn-generic, nbntn-nordic, nbntn-murata, nbntn-quectel, tiantong, beidou-2.1,
beidou-bds3, beidou-4.0, nbntn-sierra``); :func:`at_bridge.dialect.load_dialect` returns it as
typed objects.

Pieces a module side (a virtual module) can reuse:

- :mod:`at_bridge.sms_pdu`: ``decode_submit(pdu_hex)`` for what arrives after ``AT+CMGS``,
  ``deliver_pdu(sender, text, scts) -> (hex, tpdu_len)`` for ``+CMT: ,<len>``;
- :mod:`at_bridge.cmux`: ``Mux(transport, initiator=False)`` answers SABM / DISC / CLD / MSC;
  ``mux.channel(dlci)`` gives ``write`` / ``set_receiver`` per DLCI;
- :mod:`at_bridge.sentence_engine`: ``make_sentence(body)``, ``parse_sentence(line)``,
  ``checksum(body)`` for BeiDou ``$`` sentences;
- :mod:`at_bridge.rdss_frame`: BeiDou protocol 4.0 binary frames (``txsq`` / ``parse_txsq``,
  ``txxx``, ``icxx``, ``fkxx``, ``zjxx``, ``sjxx``, ``FrameDecoder`` with its refusals);
- :mod:`at_bridge.transport`: ``read_raw_log(path)`` parses a raw traffic log.
"""

"""The SMS commands every AT family answers alike (TS 27.005), in PDU mode (+CMGF=0) and in
text mode (+CMGF=1): +CSCS, +CSMP, +CSDH, +CSMS, +CSCA, +CPMS, +CNMI, +CMGS, +CMGR, +CMGL,
+CMGD, and the +CMT / +CMTI indication of an arriving SMS-DELIVER.

Text mode (TS 27.005 3.1, 4.1 and 3.4.1): +CMGS="<da>" sends an SMS-SUBMIT with the +CSMP
<fo>, <vp>, <pid> and <dcs> (3.3.2). For a 7-bit <dcs> the text is in the +CSCS character set
("IRA" as typed, "GSM" as 7-bit codes, "UCS2" as hex of UTF-16; sent UCS2 when the 7-bit
alphabet cannot carry it), for an 8-bit or UCS2 <dcs> hex of the octets (3.5.1); <da> and
<oa> are in the +CSCS set too. +CMT: "<oa>",,"<scts>" and +CMGR / +CMGL headers with the
string <stat> ("REC UNREAD", "REC READ", ...) come one CRLF before the text (a received
8-bit, UCS2 or concatenated message: hex of its user data, 3.1). Listing or reading a received
unread message marks it read (3.4.2, 3.4.3). The character sets: te_charset.
"""
from __future__ import annotations

from at_bridge.sms_pdu import decode_deliver, gsm7_encodable, gsm7_septets, pack_septets
from ntnstack.terminals import sms as smsc
from ntnstack.terminals.at_engine import (AtChannel, CmeError, CmsError, Command, Prompt, Reply,
                                          info_text)
from ntnstack.terminals.settings import CMGF, CNMI, CSDH, CSMP, CSMS, setting_handler
from ntnstack.terminals.te_charset import CHARSETS, from_te, te_number, to_te

STATS = ("REC UNREAD", "REC READ", "STO UNSENT", "STO SENT", "ALL")
"""<stat> of +CMGL / +CMGR in text mode; PDU mode numbers them 0-4 in this order."""
SMSC_DEFAULT = ("+8613800000000", 145)
"""+CSCA <sca>, <tosca> after reset (an SMSC number of the test network; 145 international)."""


class SmsCommands:
    """Mixin of AtModule: the SMS state (``reset_sms_state``) and handlers
    (``register_sms_commands``)."""

    sms_store: dict[int, tuple[str, str, int]]
    """The "ME" store, index -> (<stat>, SMSC + TPDU hex, TPDU octets): non-volatile
    (TS 27.005 3.2.2 <mem>), made once with the module (``new_sms_store``), kept over reboots."""

    def new_sms_store(self) -> None:
        self.sms_store = {}

    def reset_sms_state(self) -> None:
        """Boot: the SMS settings' defaults; the store stays."""
        self.reset_sms_settings()

    def reset_sms_settings(self) -> None:
        """The SMS settings' defaults (boot, ATZ / AT&F); the store is kept."""
        self.cmgf, self.cnmi = 0, list(CNMI.defaults)
        self.cscs, self.csmp, self.csdh = "IRA", list(CSMP.defaults), CSDH.defaults[0]
        self.csms, self.csca = 0, SMSC_DEFAULT

    def register_sms_commands(self) -> None:
        """The handlers; any error of theirs answers +CMS ERROR (TS 27.005 3.2.5)."""
        table = {"+CSCS": self.cmd_cscs,
                 "+CMGF": setting_handler(CMGF, lambda ch: [self.cmgf], self._put_cmgf),
                 "+CNMI": setting_handler(CNMI, lambda ch: list(self.cnmi), self._put_cnmi),
                 "+CSMP": setting_handler(CSMP, lambda ch: list(self.csmp), self._put_csmp),
                 "+CSDH": setting_handler(CSDH, lambda ch: [self.csdh], self._put_csdh),
                 "+CSMS": self.cmd_csms, "+CSCA": self.cmd_csca, "+CPMS": self.cmd_cpms,
                 "+CMGS": self.cmd_cmgs, "+CMGR": self.cmd_cmgr, "+CMGL": self.cmd_cmgl,
                 "+CMGD": self.cmd_cmgd}
        for name, handler in table.items():
            self.on(name, handler if name == "+CSCS" else self._as_cms(handler))

    def _put_cmgf(self, ch: AtChannel, values: list[int]) -> None:
        self.cmgf = values[0]

    def _put_cnmi(self, ch: AtChannel, values: list[int]) -> None:
        self.cnmi = values

    def _put_csmp(self, ch: AtChannel, values: list[int]) -> None:
        self.csmp = values

    def _put_csdh(self, ch: AtChannel, values: list[int]) -> None:
        self.csdh = values[0]

    def sms_parameter_error(self) -> CmsError:
        """A parameter the command cannot take: 304 in PDU mode, 305 in text mode."""
        return CmsError(305 if self.cmgf == 1 else 304)

    def _as_cms(self, handler):
        """``handler`` with its +CME errors and bad values answered as +CMS ERROR; the text
        after a "> " prompt likewise."""
        def run(ch: AtChannel, cmd: Command):
            out = self._cms_guard(handler, ch, cmd)
            if isinstance(out, Prompt):
                done = out.done
                out.done = lambda data: self._cms_guard(done, data)
            return out
        return run

    def _cms_guard(self, fn, *args):
        try:
            return fn(*args)
        except CmsError:
            raise
        except (CmeError, ValueError, IndexError, KeyError, TypeError):
            raise self.sms_parameter_error() from None

    # -- settings ------------------------------------------------------------------------------
    def cmd_cscs(self, ch: AtChannel, cmd: Command) -> Reply:
        if cmd.kind == "test":
            return Reply(["+CSCS: (" + ",".join(f'"{c}"' for c in CHARSETS) + ")"])
        if cmd.kind == "read":
            return Reply([f'+CSCS: "{self.cscs}"'])
        chosen = (cmd.params() or [""])[0].upper()
        if chosen not in CHARSETS:
            raise CmeError(4)   # operation not supported
        self.cscs = chosen
        return Reply()

    def cmd_csms(self, ch: AtChannel, cmd: Command) -> Reply:
        """+CSMS (TS 27.005 3.2.1): either <service> gives MT, MO and broadcast support."""
        if cmd.kind == "test":
            return Reply([CSMS.test_line()])
        if cmd.kind == "read":
            return Reply([f"+CSMS: {self.csms},1,1,1"])
        self.csms = CSMS.parse(cmd)[0]
        return Reply(["+CSMS: 1,1,1"])

    def cmd_csca(self, ch: AtChannel, cmd: Command) -> Reply:
        """+CSCA (TS 27.005 3.3.1): the SMSC address, <tosca> 145 when it starts with "+"."""
        if cmd.kind == "read":
            return Reply([f'+CSCA: "{self.csca[0]}",{self.csca[1]}'])
        if cmd.kind != "set":
            return Reply()
        p = cmd.params()
        number = p[0] if p else ""
        if not number.lstrip("+").isdigit() or len(p) > 2:
            raise self.sms_parameter_error()
        self.csca = (number, cmd.int_param(1, 145 if number.startswith("+") else 129))
        return Reply()

    def cmd_cpms(self, ch: AtChannel, cmd: Command) -> Reply:
        used = len(self.sms_store)
        if cmd.kind == "test":
            return Reply(['+CPMS: ("ME"),("ME"),("ME")'])
        mem = f'"ME",{used},20'
        if cmd.kind == "read":
            return Reply([f"+CPMS: {mem},{mem},{mem}"])
        if any(p.upper() != "ME" for p in cmd.params()):
            raise CmsError(302)   # only "ME" is listed by the test form
        return Reply([f"+CPMS: {used},20,{used},20,{used},20"])

    # -- sending ---------------------------------------------------------------------------------
    def cmd_cmgs(self, ch: AtChannel, cmd: Command) -> Reply | Prompt:
        if cmd.kind == "test":
            return Reply()
        if self.cmgf == 0:
            tpdu_len = cmd.int_param(0)
            return Prompt(lambda data: self._sms_submit_pdu(data, tpdu_len))
        dest = te_number(self.cscs, cmd.params()[0] if cmd.params() else "")
        return Prompt(lambda data: self._sms_submit_text(dest, data))

    def text_submit(self, dest: str, data: bytes) -> tuple[smsc.Submit, bytes]:
        """The SMS-SUBMIT (parsed, and its TPDU) of text typed at the prompt in text mode,
        with the +CSMP <fo>, <vp>, <pid> and <dcs> (TS 27.005 3.3.2). Only a relative <vp>
        is an integer: a <fo> with another validity-period format is refused (305)."""
        fo, vp, pid, dcs = self.csmp
        vpf = (fo >> 3) & 0x03                 # TS 23.040 9.2.3.3: 0 none, 2 relative
        if fo & 0x03 != smsc.TP_MTI_SUBMIT or vpf not in (0, 2):
            raise self.sms_parameter_error()
        dcs, udl, ud = self._text_user_data(data, dcs)
        tpdu = bytes([fo & ~smsc.TP_UDHI, 0]) + smsc.encode_address(dest) + \
            bytes([pid, dcs]) + (bytes([vp]) if vpf == 2 else b"") + bytes([udl]) + ud
        return smsc.parse_submit("00" + tpdu.hex(), len(tpdu)), tpdu

    def _text_user_data(self, data: bytes, dcs: int) -> tuple[int, int, bytes]:
        """(DCS, UDL, UD) of the typed text (TS 27.005 3.5.1): for an 8-bit or UCS2 <dcs>
        the text is hex of the octets; for GSM 7-bit it is in the +CSCS character set, and a
        text the 7-bit alphabet cannot carry goes UCS2 (smsc.as_ucs2)."""
        typed = data.decode("latin-1").strip()
        try:
            if smsc.dcs_alphabet(dcs) != smsc.GSM7:
                return smsc.checked_ud(dcs, bytes.fromhex(typed))
            text = from_te(self.cscs, typed)
        except ValueError:
            raise self.sms_parameter_error() from None
        if gsm7_encodable(text):
            septets = gsm7_septets(text)
            return smsc.checked_ud(dcs, pack_septets(septets), len(septets))
        return smsc.checked_ud(smsc.as_ucs2(dcs), text.encode("utf-16-be"))

    def _sms_submit_pdu(self, data: bytes, tpdu_len: int) -> Reply:
        sub = smsc.parse_submit(data.decode("latin-1"), tpdu_len)
        return self._sms_send(sub.dest, sub.pid, sub.dcs, sub.udl, sub.ud, sub.udhi)

    def _sms_submit_text(self, dest: str, data: bytes) -> Reply:
        sub, _ = self.text_submit(dest, data)
        return self._sms_send(dest, sub.pid, sub.dcs, sub.udl, sub.ud, sub.udhi)

    def _sms_send(self, dest: str, pid: int, dcs: int, udl: int, ud: bytes,
                  udhi: bool) -> Reply:
        if not self.registered:
            raise CmsError(331)  # no network service (TS 27.005 3.2.5)
        self.mr = (self.mr + 1) % 256
        peer = self.network.lookup(dest) or self
        me = self.identity.msisdn
        self.log("event", f"sms to {dest} via {'echo' if peer is self else peer.family}")
        self.network.deliver(self, peer, lambda: peer.sms_arrived(me, pid, dcs, udl, ud, udhi))
        return Reply([f"+CMGS: {self.mr}"])

    # -- receiving -------------------------------------------------------------------------------
    def sms_arrived(self, origin: str, pid: int, dcs: int, udl: int, ud: bytes,
                    udhi: bool) -> None:
        """SMS-DELIVER from the network: +CMT, or stored with +CMTI, per +CNMI <mt>."""
        pdu, tpdu_len = smsc.build_deliver(origin, pid, dcs, udl, ud, udhi,
                                           scts_unix_s=self.unix_now_s())
        mt = self.cnmi[1]
        self.log("event", f"sms from {origin}")
        if mt == 2:
            if self.cmgf == 1:
                header, text = self._text_header(pdu)
                body = info_text(f"+CMT: {header}", text)
            else:
                body = info_text(f"+CMT: ,{tpdu_len}", pdu)
            self.channel_for_urc("+CMT").urc(body)
            return
        index = max(self.sms_store, default=-1) + 1
        self.sms_store[index] = ("REC UNREAD", pdu, tpdu_len)
        if mt == 1:
            self.urc(f'+CMTI: "ME",{index}')

    def _text_header(self, pdu: str, listing: bool = False) -> tuple[str, str]:
        """('"<oa>",,"<scts>"', <data>) of a stored SMS-DELIVER (TS 27.005 3.4.1 text mode;
        <scts> as "yy/MM/dd,hh:mm:ss+zz", zz in quarter hours, UTC here). <data> (3.1): a
        7-bit text without a header in the +CSCS set, else hex of the user data octets.
        With +CSDH=1 (3.3.3) the header goes on: ,<tooa>,<fo>,<pid>,<dcs>,"<sca>",<tosca>,
        <length> for +CMT / +CMGR, ,<tooa>,<length> for a +CMGL entry (``listing``);
        <length> counts characters of a 7-bit text, else octets."""
        d, o = decode_deliver(pdu), smsc.deliver_octets(pdu)
        as_text = smsc.dcs_alphabet(o.dcs) == smsc.GSM7 and not o.fo & smsc.TP_UDHI
        data = to_te(self.cscs, d.text) if as_text else o.ud.hex().upper()
        length = len(d.text) if as_text else len(o.ud)
        header = f'"{to_te(self.cscs, d.sender)}",,"{d.scts.strftime("%y/%m/%d,%H:%M:%S")}+00"'
        if not self.csdh:
            return header, data
        if listing:
            return f"{header},{o.tooa},{length}", data
        return (f'{header},{o.tooa},{o.fo},{d.pid},{d.dcs},"{to_te(self.cscs, d.smsc)}",'
                f"{o.tosca},{length}", data)

    def _read(self, index: int) -> tuple[str, str, int]:
        """A stored message, marked read (TS 27.005 3.4.2 / 3.4.3)."""
        status, pdu, n = self.sms_store[index]
        self.sms_store[index] = ("REC READ" if status == "REC UNREAD" else status, pdu, n)
        return status, pdu, n

    def cmd_cmgr(self, ch: AtChannel, cmd: Command) -> Reply:
        if cmd.kind == "test":
            return Reply()
        index = cmd.int_param(0)
        if index not in self.sms_store:
            raise CmsError(321)   # invalid memory index
        status, pdu, n = self._read(index)
        if self.cmgf == 1:
            header, text = self._text_header(pdu)
            return Reply([info_text(f'+CMGR: "{status}",{header}', text)])
        return Reply([info_text(f"+CMGR: {STATS.index(status)},,{n}", pdu)])

    def cmd_cmgl(self, ch: AtChannel, cmd: Command) -> Reply:
        if cmd.kind == "test":
            return Reply(["+CMGL: (" + ",".join(f'"{s}"' for s in STATS) + ")"
                          if self.cmgf == 1 else "+CMGL: (0-4)"])
        want = self._list_filter(cmd)
        lines = []
        for index, (status, pdu, n) in sorted(self.sms_store.items()):
            if want not in ("ALL", status):
                continue
            self._read(index)
            if self.cmgf == 1:
                header, text = self._text_header(pdu, listing=True)
                lines += [f'+CMGL: {index},"{status}",{header}', text]
            else:
                lines += [f"+CMGL: {index},{STATS.index(status)},,{n}", pdu]
        return Reply([info_text(*lines)] if lines else [])

    def _list_filter(self, cmd: Command) -> str:
        """The <stat> of +CMGL as text ("REC UNREAD" by default, TS 27.005 3.4.2)."""
        params = cmd.params()
        if self.cmgf == 1:
            want = (params[0] if params else "REC UNREAD").upper()
            if want not in STATS:
                raise self.sms_parameter_error()
            return want
        code = cmd.int_param(0, 0)
        if not 0 <= code < len(STATS):
            raise self.sms_parameter_error()
        return STATS[code]

    def cmd_cmgd(self, ch: AtChannel, cmd: Command) -> Reply:
        if cmd.kind == "test":
            return Reply([f"+CMGD: ({','.join(map(str, sorted(self.sms_store)))}),(0-4)"])
        index, flag = cmd.int_param(0), cmd.int_param(1, 0)
        if flag == 4:
            self.sms_store.clear()
        elif flag in (1, 2, 3):
            self.sms_store = {k: v for k, v in self.sms_store.items() if v[0] == "REC UNREAD"}
        elif self.sms_store.pop(index, None) is None:
            raise CmsError(321)
        return Reply()

"""Randomness and identities per UE: RAND fresh per authentication (TS 33.401 6.1.1), M-TMSI
unique within its MME (TS 23.003 2.8), the RRC randomValue of each UE its own; all of it a
function of the run's seed."""
from __future__ import annotations

from ntnstack.stack import Mme, UeConfig
from ntnstack.stack.presets import geo_cell, new_session
from tests.stack.conftest import START_UNIX_S

UES = 4
"""UEs on one cell and one MME (the default scenario has four NB-IoT terminals)."""


def _attach_all(seed: int) -> tuple[Mme, list]:
    cell = geo_cell(START_UNIX_S)
    mme = Mme(seed=seed)
    sessions = []
    for i in range(UES):
        ue = UeConfig(imsi=f"00101000000000{i + 1}", seed=seed)
        s = new_session([cell], START_UNIX_S + 0.3 + 60 * i, ue=ue, mme=mme)
        assert s.attach().ok
        sessions.append(s)
    return mme, sessions


def _identities(mme: Mme, sessions: list) -> tuple[list, list, list]:
    """RANDs, M-TMSIs and each UE's next 64 random bits (the source of its RRC
    randomValue)."""
    rands = [mme.context(s.ue.imsi).vector.rand for s in sessions]
    m_tmsis = [s.s_tmsi[1] for s in sessions]
    return rands, m_tmsis, [s.rng.getrandbits(64) for s in sessions]


def test_every_ue_has_its_own_rand_m_tmsi_and_random_value():
    mme, sessions = _attach_all(seed=1)
    rands, m_tmsis, ue_randoms = _identities(mme, sessions)
    assert len(set(rands)) == UES
    assert len(set(m_tmsis)) == UES
    assert all(m_tmsi != int.from_bytes(rand[:4], "big")   # not derived from the RAND
               for m_tmsi, rand in zip(m_tmsis, rands, strict=True))
    assert len(set(ue_randoms)) == UES


def test_the_same_seed_gives_the_same_identities_and_another_seed_others():
    first = _identities(*_attach_all(seed=7))
    assert _identities(*_attach_all(seed=7)) == first
    assert _identities(*_attach_all(seed=8))[0] != first[0]


def test_detach_names_the_ue_by_its_guti(monkeypatch):
    """TS 24.301 5.5.2.2.1: a UE with a valid GUTI puts it, not its IMSI, in the DETACH
    REQUEST; the MME finds the UE by it."""
    from ntnstack.stack import mme as mme_module
    from ntnstack.stack import nas as n

    mme, sessions = _attach_all(seed=1)
    s = sessions[0]
    seen: list = []
    on_detach = mme_module.Mme._on_detach_request
    monkeypatch.setitem(mme_module._HANDLERS, "detach-request",
                        lambda self, imsi, msg, plain: seen.append(msg) or on_detach(
                            self, imsi, msg, plain))
    assert s.detach().ok
    assert seen[0].ies["identity"] == n.guti_identity(s.guti)
    assert seen[0].ies["identity"][0] & 0x7 == 6     # type of identity 110: GUTI (9.9.3.12)

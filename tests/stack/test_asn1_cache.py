"""The on-disk parse cache of the ASN.1 specifications (ntnstack.asn1_cache): the spec compiled
from a cached parse encodes exactly as asn1tools' own compile_files; a damaged cache file or a
pickle naming a class is ignored and rewritten; an edited ASN.1 text is a new key."""
from __future__ import annotations

import pickle

import asn1tools

from ntnstack.asn1_cache import compile_asn1_files, parsed_asn1
from ntnstack.stack import rrc_nb

MIB = rrc_nb.mib_nb(513, 2, scheduling_info_sib1=5)   # SFN 513, hyper-SFN LSBs 2


def _files(cache):
    return sorted(p.name for p in cache.iterdir())


def test_cached_parse_compiles_to_the_same_encoder(tmp_path):
    fresh = asn1tools.compile_files([str(rrc_nb.ASN_FILE)], "uper")
    first = compile_asn1_files([rrc_nb.ASN_FILE], "uper", tmp_path)     # parses, stores
    assert len(_files(tmp_path)) == 1
    second = compile_asn1_files([rrc_nb.ASN_FILE], "uper", tmp_path)    # from the cache
    value = fresh.decode("BCCH-BCH-Message-NB", MIB.data)
    for spec in (first, second):
        assert spec.encode("BCCH-BCH-Message-NB", value, check_constraints=True) == MIB.data
        assert spec.decode("BCCH-BCH-Message-NB", MIB.data) == value
    assert parsed_asn1(rrc_nb.ASN_FILE.read_text() + "\n", "x", tmp_path) == \
        asn1tools.parse_files([str(rrc_nb.ASN_FILE)])


def test_damaged_or_foreign_cache_is_parsed_again(tmp_path):
    text = "M DEFINITIONS ::= BEGIN A ::= INTEGER (0..7) END\n"
    want = asn1tools.parse_string(text)
    assert parsed_asn1(text, "m", tmp_path) == want
    (path,) = tmp_path.iterdir()
    for content in (b"not a pickle", pickle.dumps(ValueError("a class")), pickle.dumps([1])):
        path.write_bytes(content)
        assert parsed_asn1(text, "m", tmp_path) == want
        assert pickle.loads(path.read_bytes()) == want      # rewritten
    edited = text.replace("0..7", "0..15")
    assert parsed_asn1(edited, "m", tmp_path) == asn1tools.parse_string(edited)
    assert len(_files(tmp_path)) == 2


def test_unwritable_cache_still_compiles(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache directory would go")
    text = "M DEFINITIONS ::= BEGIN A ::= BOOLEAN END\n"
    assert parsed_asn1(text, "m", blocked / "asn1") == asn1tools.parse_string(text)

"""Hash bank CSVs: bad rows are rejected with file and line, the rest loads."""

from __future__ import annotations

import pytest

from vigil.media import BankError, HashBank, load_banks
from vigil.media.hashing import hexes_to_codes

A = "d8f8f0cce0f4a84f0e370a22028f67f0b36e2ed596623e1d33e6b39c4e9c9b22"
B = "38a50efd71c83f429013d68d0ffffc52e34e0e15ada952a9d29684214aa9e5af"
M = "d35c785545392755e7e4164457657269"


def flip(h: str, bits: int) -> str:
    v = int(h, 16)
    for b in range(bits):
        v ^= 1 << (7 * b + 3)
    return f"{v:064x}"


def write(tmp_path, text: str, name="bank.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_bad_rows_are_rejected_with_file_line_and_reason(tmp_path):
    p = write(tmp_path, "\n".join([
        "signal_type,signal,bank,category",
        f"pdq,{A},bank-a,cat-1",
        "pdq,xyz,bank-a,cat-1",               # line 3: not hex
        f"sha1,{A},bank-a,cat-1",              # line 4: unknown type
        f"md5,{M},,cat-1",                     # line 5: no bank
        f"md5,{M}",                            # line 6: short row
        f"md5,{M.upper()},bank-b,cat-2",       # fine: upper case is normalised
        f"pdq,{A[:-1]},bank-a,cat-1",          # line 8: 63 digits
    ]) + "\n")
    bank = load_banks([p])
    assert bank.n_pdq == 1 and bank.n_md5 == 1
    got = {(r["line"], r["field"]) for r in bank.rejects}
    assert got == {(3, "signal"), (4, "signal_type"), (5, "bank"), (6, ""), (8, "signal")}
    assert all(r["file"] == str(p) for r in bank.rejects)
    assert "64 hex digits" in next(r["reason"] for r in bank.rejects if r["line"] == 3)


def test_a_file_without_the_contract_header_fails_at_once(tmp_path):
    p = write(tmp_path, f"hash,list\n{A},x\n")
    with pytest.raises(BankError, match=r"bank.csv:1: .*lacks signal_type"):
        load_banks([p])


def test_per_bank_thresholds(tmp_path):
    p = write(tmp_path, "signal_type,signal,bank,category,pdq_threshold\n"
              f"pdq,{A},strict,c,8\npdq,{A},loose,c,\n")
    bank = load_banks([p], pdq_threshold=31)
    near = hexes_to_codes([flip(A, 12)])
    _, entry, dist = bank.match_pdq(near)
    assert {bank.pdq_bank[e] for e in entry} == {"loose"} and set(dist.tolist()) == {12}
    bank = load_banks([p], pdq_threshold=31, bank_thresholds={"strict": 20, "loose": 10})
    _, entry, _ = bank.match_pdq(near)
    assert {bank.pdq_bank[e] for e in entry} == {"strict"}


def test_md5_exact_lookup(tmp_path):
    p = write(tmp_path, f"signal_type,signal,bank,category\nmd5,{M},b1,c1\nmd5,{M},b2,c2\n")
    bank = load_banks([p])
    assert sorted(bank.match_md5(M)) == [("b1", "c1"), ("b2", "c2")]
    assert bank.match_md5("0" * 32) == []


def test_several_files_and_duplicates(tmp_path):
    p1 = write(tmp_path, f"signal_type,signal,bank,category\npdq,{A},b,c\n", "one.csv")
    p2 = write(tmp_path, f"signal_type,signal,bank,category\npdq,{A},b,c\npdq,{B},b,c\n", "two.csv")
    bank = load_banks([p1, p2])
    assert bank.n_pdq == 2 and bank.index.ntotal == 2


def test_saved_bank_round_trip(tmp_path):
    p = write(tmp_path, f"signal_type,signal,bank,category,pdq_threshold\npdq,{A},b,c,12\nmd5,{M},b,c,\n")
    bank = load_banks([p])
    bank.save(tmp_path / "saved")
    back = HashBank.load(tmp_path / "saved")
    assert back.pdq_signal == [A] and back.match_md5(M) == [("b", "c")] and back.threshold("b") == 12
    q, e, d = back.match_pdq(hexes_to_codes([flip(A, 5)]))
    assert d.tolist() == [5]
    # a saved bank folder can be given where a CSV can
    again = load_banks([tmp_path / "saved"])
    assert again.n_pdq == 1 and again.threshold("b") == 12
    more = tmp_path / "more.csv"
    more.write_text(f"signal_type,signal,bank,category\npdq,{B},b2,c\n")
    both = load_banks([tmp_path / "saved", more])  # the saved index grows by the new rows only
    assert both.n_pdq == 2 and both.index.ntotal == 2 and both.match_md5(M) == [("b", "c")]

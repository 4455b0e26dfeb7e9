"""`vigil hash FILE...`: the PDQ (with quality) and MD5 of image files, as CSV on stdout.

`vigil bank-fetch`: pull a hash bank from an exchange (NCMEC, StopNCII, ThreatExchange) into a
contract CSV, resuming from the last checkpoint.
"""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path
from typing import Optional

import typer

EXCHANGES = ("ncmec", "stopncii", "threatexchange")


def register(app: typer.Typer) -> None:
    @app.command("hash")
    def hash_cmd(
        files: list[Path] = typer.Argument(..., help="Image files to hash."),
    ) -> None:
        """Print `path,pdq,quality,md5` for each image file (read only to hash it)."""
        from vigil.media.hashing import hash_file

        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(["path", "pdq", "quality", "md5"])
        failed = 0
        for f in files:
            try:
                h = hash_file(f)
            except Exception as e:  # report and go on: one broken file never hides the others
                typer.echo(f"{f}: cannot hash ({type(e).__name__}: {e})", err=True)
                failed += 1
                continue
            w.writerow([str(f), h.pdq, h.quality, h.md5])
        sys.stdout.flush()
        if failed:
            raise typer.Exit(1)

    @app.command("bank-fetch")
    def bank_fetch(
        exchange: str = typer.Argument(..., help=f"One of {', '.join(EXCHANGES)}."),
        state: Path = typer.Option(..., "--state", file_okay=False, help="Folder keeping the checkpoint and bank.csv."),
        bank: Optional[str] = typer.Option(None, "--bank", help="Bank name in the CSV (default: the exchange)."),
        url: Optional[str] = typer.Option(None, "--url", help="API base URL (default: the exchange's own)."),
        ncmec_environment: str = typer.Option("Industry", "--ncmec-environment", help="NCMECEnvironment name."),
        privacy_group: int = typer.Option(0, "--privacy-group", help="ThreatExchange privacy group id."),
    ) -> None:
        """Fetch what changed in an exchange's hash list since the last fetch into STATE/bank.csv.

        Credentials come from python-threatexchange's variables: TX_NCMEC_CREDENTIALS (user:password),
        TX_STOPNCII_KEYS (fetch_function_key,subscription_key), TX_ACCESS_TOKEN (ThreatExchange).
        """
        from vigil.media import exchanges as xch

        if exchange not in EXCHANGES:
            raise typer.BadParameter(f"{exchange!r}: expected one of {', '.join(EXCHANGES)}")

        def secret(name: str) -> str:
            value = os.environ.get(name, "").strip()
            if not value:
                raise typer.BadParameter(f"set {name} to fetch from {exchange}")
            return value

        store = xch.BankStore(state, bank or exchange)
        if exchange == "ncmec":
            user, _, password = secret("TX_NCMEC_CREDENTIALS").partition(":")
            base = url or xch.ncmec.NCMECEnvironment[ncmec_environment].value
            n = xch.fetch_ncmec(store, base, user, password)
        elif exchange == "stopncii":
            fn_key, _, sub_key = secret("TX_STOPNCII_KEYS").partition(",")
            n = xch.fetch_stopncii(store, url or xch.stopncii.StopNCIIAPI.BASE_URL, sub_key.split(",")[0], fn_key)
        else:
            if not privacy_group:
                raise typer.BadParameter("--privacy-group is required for threatexchange")
            n = xch.fetch_threatexchange(store, url or xch.ThreatExchangeAPI._TE_BASE_URL, secret("TX_ACCESS_TOKEN"), privacy_group)
        typer.echo(f"{n} changes fetched; bank: {store.folder / 'bank.csv'} ({len(store.records())} hashes)")

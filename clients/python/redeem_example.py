#!/usr/bin/env python3
"""Redeems passes at a venue's desk, printing one line per code.

    redeem_example.py --server 127.0.0.1:50051 --token_file desk-1.token \\
        --venue 1 --terminal desk-1 CODE...

Exits 0 when every pass was redeemed, 1 when any was refused (already
redeemed, expired, misread code, ...), 2 when the server could not be asked
(unreachable, token refused): the codes not printed were then not decided,
or, for "outcome unknown", perhaps decided.
"""

import argparse
import sys

from passclear.v1 import redemption_pb2

import venue_client


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Redeem Pass Numérique passes for a venue.")
    parser.add_argument("--server", default="127.0.0.1:50051",
                        help="passclear-server address, host:port")
    parser.add_argument("--tls_ca_file",
                        help="PEM CA to trust: connect over TLS (plaintext "
                             "when absent, for a server on loopback)")
    parser.add_argument("--token_file", required=True,
                        help="this terminal's token, saved at activation")
    parser.add_argument("--venue", type=int, required=True,
                        help="the venue id the terminal is enrolled for")
    parser.add_argument("--terminal", required=True,
                        help="the terminal id it was enrolled as")
    parser.add_argument("--deadline", type=float, default=5.0,
                        help="seconds each attempt of a call may take")
    parser.add_argument("codes", nargs="+", metavar="CODE",
                        help="a code printed on a pass, as scanned")
    return parser.parse_args()


def redeem_all(desk: venue_client.VenueClient, codes: list[str]) -> bool:
    """Redeems each code, printing what the desk would show; True when all
    were redeemed."""
    all_redeemed = True
    for code in codes:
        try:
            answer = desk.redeem(code)
        except venue_client.InvalidRequestError as error:
            # A misread code: nothing was decided, scan it again.
            print(f"{code} INVALID: {error.details}")
            all_redeemed = False
            continue
        except venue_client.OutcomeUnknownError as error:
            # Retrying under a new request id could answer ALREADY_REDEEMED
            # for a pass this very scan redeemed.
            print(f"{code} OUTCOME UNKNOWN: {error.details}; retry with "
                  f"request id {error.request_ids[0]}")
            raise
        # The server's sentence says why, in words for the desk.
        print(f"{code} {venue_client.result_name(answer.result)}: "
              f"{answer.message}")
        if answer.result != redemption_pb2.REDEEM_RESULT_REDEEMED:
            all_redeemed = False
    return all_redeemed


def main() -> int:
    args = parse_args()
    try:
        token = venue_client.read_token_file(args.token_file)
        with venue_client.VenueClient.connect(
                args.server, token, args.venue, args.terminal,
                tls_ca_file=args.tls_ca_file, deadline=args.deadline) as desk:
            return 0 if redeem_all(desk, args.codes) else 1
    except (OSError, venue_client.PassclearError) as error:
        print(f"redeem_example.py: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

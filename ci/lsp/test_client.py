"""plimsoll lsp driven by pytest-lsp: initialize, open, change, diagnostics, hover,
completion, definition, code action and applying its edit."""

import asyncio
import os
import pathlib
import sys

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

BINARY = os.environ["PLIMSOLL_BINARY"]
ROOT = pathlib.Path(os.environ["PLIMSOLL_LSP_ROOT"])

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:latest
          imagePullPolcy: Always
          envFrom:
            - configMapRef: {name: settings}
"""


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[BINARY, "lsp"]))
async def client(lsp_client: LanguageClient):
    params = types.InitializeParams(
        capabilities=types.ClientCapabilities(),
        root_uri=ROOT.as_uri(),
    )
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


def diagnostics_for(client, uri):
    return client.diagnostics.get(uri, [])


async def codes_when(client, uri, ready):
    """The codes of `uri` once `ready(codes)` holds (the server also pushes at start-up)."""
    for _ in range(20):
        codes = {d.code for d in diagnostics_for(client, uri)}
        if ready(codes):
            return codes
        await asyncio.wait_for(
            client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 30
        )
    return {d.code for d in diagnostics_for(client, uri)}


@pytest.mark.asyncio
async def test_the_editor_round_trip(client: LanguageClient):
    path = ROOT / "deploy.yaml"
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="yaml", version=1, text=DEPLOYMENT
            )
        )
    )
    codes = await codes_when(client, uri, lambda c: "schema-unknown-field" in c)
    print("after open:", sorted(codes))
    assert "latest-image-tag" in codes
    assert "schema-unknown-field" in codes

    # An incremental change: the tag on line 14.
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(
                        start=types.Position(line=13, character=23),
                        end=types.Position(line=13, character=29),
                    ),
                    text="1.27",
                )
            ],
        )
    )
    codes = await codes_when(client, uri, lambda c: "latest-image-tag" not in c)
    print("after change:", sorted(codes))
    assert "latest-image-tag" not in codes

    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=13, character=12),
        )
    )
    print("hover:", hover.contents.value.splitlines()[0])
    assert "containers[0].image" in hover.contents.value

    items = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=1, character=6),
        )
    )
    assert any(i.insert_text == "StatefulSet" for i in items)
    print("completion:", len(items), "apiVersion/kind pairs")

    found = await client.text_document_definition_async(
        types.DefinitionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=16, character=36),
        )
    )
    print("definition:", found[0].uri, found[0].range.start.line)
    assert found[0].uri == (ROOT / "config.yaml").as_uri()

    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(
                start=types.Position(line=14, character=12),
                end=types.Position(line=14, character=12),
            ),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    rename = next(a for a in actions if a.title == "Rename to `imagePullPolicy`")
    edit = rename.edit.changes[uri][0]
    # Apply the edit as an editor would, and send the new text.
    lines = DEPLOYMENT.replace("nginx:latest", "nginx:1.27").split("\n")
    line = lines[edit.range.start.line]
    lines[edit.range.start.line] = (
        line[: edit.range.start.character] + edit.new_text + line[edit.range.end.character :]
    )
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=3),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text="\n".join(lines))],
        )
    )
    codes = await codes_when(client, uri, lambda c: "schema-unknown-field" not in c)
    print("after the code action:", sorted(codes))
    assert "schema-unknown-field" not in codes


def opened(client, path, text, version=1, language="yaml"):
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=path.as_uri(), language_id=language, version=version, text=text
            )
        )
    )


def changed(client, path, text, version):
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=path.as_uri(), version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def diagnostics_when(client, uri, ready):
    """The diagnostics of `uri` once `ready(diagnostics)` holds."""
    for _ in range(20):
        found = diagnostics_for(client, uri)
        if ready(found):
            return found
        await asyncio.wait_for(
            client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 30
        )
    return diagnostics_for(client, uri)


@pytest.mark.asyncio
async def test_configuration_policies_selectors_and_kustomize(client: LanguageClient):
    # .plimsoll.yaml as typed: each problem at its key or value.
    config = ROOT / ".plimsoll.yaml"
    opened(client, config, "policies: [policy]\nstrict: maybe\nfailon: error\n")
    found = await diagnostics_when(client, config.as_uri(), lambda d: len(d) >= 2)
    places = sorted((d.range.start.line, d.range.start.character) for d in found)
    print("config problems:", places, [d.message for d in found])
    assert places == [(1, 8), (2, 0)]
    assert any("did you mean `failOn`?" in d.message for d in found)
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=config.as_uri()),
            position=types.Position(line=1, character=2),
        )
    )
    assert "Unknown fields are errors" in hover.contents.value

    # A Rego module broken as typed: the error at its line; fixed, the ConfigMap is
    # checked with the new text.
    rego = ROOT / "policy" / "deny.rego"
    good = rego.read_text()
    opened(client, rego, good.replace('msg := "', 'msg := concat("", [undefined_fn(1), "'), language="rego")
    found = await diagnostics_when(client, rego.as_uri(), lambda d: len(d) > 0)
    print("rego problem:", found[0].range.start.line + 1, found[0].message)
    assert found[0].code == "policy-error"
    changed(client, rego, good.replace("frowned upon", "discouraged"), 2)
    cm = (ROOT / "config.yaml").as_uri()
    found = await diagnostics_when(
        client, cm, lambda d: any(x.message.startswith("config maps are discouraged") for x in d)
    )
    assert any(x.message.startswith("config maps are discouraged") for x in found)
    # The module's own (now empty) list comes in the same round, after the manifest's.
    assert not await diagnostics_when(client, rego.as_uri(), lambda d: not d)

    # From the Service's selector to the Deployment's pod labels.
    svc = ROOT / "svc.yaml"
    found = await client.text_document_definition_async(
        types.DefinitionParams(
            text_document=types.TextDocumentIdentifier(uri=svc.as_uri()),
            position=types.Position(line=6, character=6),
        )
    )
    print("selector definition:", [(f.uri, f.range.start.line) for f in found])
    assert (found[0].uri, found[0].range.start.line) == ((ROOT / "deploy.yaml").as_uri(), 9)

    # A selector that selects nothing: the workload with its labels as related information.
    opened(client, svc, svc.read_text().replace("app: web", "app: website"))
    found = await diagnostics_when(
        client, svc.as_uri(), lambda d: any(x.code == "service-selector-matches-nothing" for x in d)
    )
    finding = next(x for x in found if x.code == "service-selector-matches-nothing")
    print("related:", [r.message for r in finding.related_information])
    assert finding.related_information[0].location.uri == (ROOT / "deploy.yaml").as_uri()

    # Label keys of the workspace in a selector.
    changed(client, svc, svc.read_text().replace("    app: web\n", "    \n"), 2)
    items = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=svc.as_uri()),
            position=types.Position(line=6, character=4),
        )
    )
    labels = [i.label for i in items]
    print("label keys:", labels)
    assert "app" in labels

    # An unsaved edit of a Kustomize base: the build's finding, in the base, with the chain.
    base = ROOT / "kbase" / "deploy.yaml"
    opened(client, base, base.read_text().replace("nginx:1.27", "nginx:latest"))
    found = await diagnostics_when(
        client, base.as_uri(), lambda d: any(x.code == "latest-image-tag" for x in d)
    )
    finding = next(x for x in found if x.code == "latest-image-tag")
    chain = [r.message for r in finding.related_information or []]
    print("kustomize:", chain)
    assert any(m.startswith("built by kustomize") for m in chain)


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[BINARY, "lsp"]))
async def pulling(lsp_client: LanguageClient):
    params = types.InitializeParams(
        capabilities=types.ClientCapabilities(
            text_document=types.TextDocumentClientCapabilities(
                diagnostic=types.DiagnosticClientCapabilities()
            )
        ),
        root_uri=ROOT.as_uri(),
    )
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio
async def test_workspace_diagnostics_and_cancellation(pulling: LanguageClient):
    client = pulling
    first = await client.workspace_diagnostic_async(
        types.WorkspaceDiagnosticParams(previous_result_ids=[])
    )
    kinds = {item.kind for item in first.items}
    print("workspace/diagnostic:", len(first.items), "files,", kinds)
    assert kinds == {"full"}
    assert any(
        item.uri == (ROOT / "deploy.yaml").as_uri()
        and any(d.code == "latest-image-tag" for d in item.items)
        for item in first.items
    )
    previous = [types.PreviousResultId(uri=i.uri, value=i.result_id) for i in first.items]
    again = await client.workspace_diagnostic_async(
        types.WorkspaceDiagnosticParams(previous_result_ids=previous)
    )
    print("again:", {item.kind for item in again.items})
    assert {item.kind for item in again.items} == {"unchanged"}

    # $/cancelRequest: the cancellation may reach the server before the request; the
    # request is then answered with RequestCancelled (-32800).
    request_id = "plimsoll-cancelled"
    client.protocol.notify("$/cancelRequest", types.CancelParams(id=request_id))
    future = client.protocol.send_request_async(
        types.WORKSPACE_SYMBOL, types.WorkspaceSymbolParams(query="web"), msg_id=request_id
    )
    try:
        await asyncio.wait_for(future, 10)
        outcome = "answered"
    except asyncio.TimeoutError:
        outcome = "no answer"
    except Exception as error:  # the server's error response
        outcome = f"{type(error).__name__}: {error}"
    print("cancel:", outcome)
    assert "-32800" in outcome or "cancel" in outcome.lower(), outcome


CHART = os.environ.get("PLIMSOLL_LSP_CHART")
CHART_LINT = os.environ.get("PLIMSOLL_LSP_CHART_LINT")


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[BINARY, "lsp"]))
async def charted(lsp_client: LanguageClient):
    params = types.InitializeParams(
        capabilities=types.ClientCapabilities(),
        root_uri=pathlib.Path(CHART or ROOT).as_uri(),
    )
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


@pytest.mark.skipif(not CHART, reason="PLIMSOLL_LSP_CHART names no chart (helm not found)")
@pytest.mark.asyncio
async def test_a_chart_of_the_corpus_rendered_when_its_template_opens(charted: LanguageClient):
    client = charted
    chart = pathlib.Path(CHART)
    template = chart / "templates" / "deployment.yaml"
    uri = template.as_uri()
    # `plimsoll lint CHART --format json`: what the editor must show in the template.
    import json

    report = json.loads(pathlib.Path(CHART_LINT).read_text())
    expected = sorted(
        (d["rule"], d["start"]["line"] - 1, d["message"])
        for d in report["diagnostics"]
        if d.get("file") == str(template)
    )
    assert expected, "lint finds nothing in the template"
    opened(client, template, template.read_text())
    found = await diagnostics_when(client, uri, lambda d: len(d) > 0)
    got = sorted((d.code, d.range.start.line, d.message.split("\nhelp: ")[0]) for d in found)
    print("chart template:", [(c, l + 1) for c, l, _ in got])
    assert got == expected

    # An unsaved values file gives the container resources: the finding goes from the
    # template; undone, it comes back.
    values = chart / "values.yaml"
    text = values.read_text()
    assert "\nresources: {}\n" in text
    with_resources = text.replace(
        "\nresources: {}\n",
        "\nresources: {requests: {cpu: 10m, memory: 32Mi}, limits: {memory: 64Mi}}\n",
    )
    opened(client, values, with_resources)
    found = await diagnostics_when(
        client, uri, lambda d: not any(x.code == "missing-resources" for x in d)
    )
    print("with resources in the values buffer:", sorted({d.code for d in found}))
    assert not any(x.code == "missing-resources" for x in found)
    changed(client, values, text, 2)
    found = await diagnostics_when(
        client, uri, lambda d: any(x.code == "missing-resources" for x in d)
    )
    assert any(x.code == "missing-resources" for x in found)


GATEKEEPER = pathlib.Path(os.environ.get("PLIMSOLL_LSP_GATEKEEPER", ROOT))


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[BINARY, "lsp"]))
async def gatekept(lsp_client: LanguageClient):
    params = types.InitializeParams(
        capabilities=types.ClientCapabilities(), root_uri=GATEKEEPER.as_uri()
    )
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


@pytest.mark.skipif(
    "PLIMSOLL_LSP_GATEKEEPER" not in os.environ, reason="no Gatekeeper workspace made"
)
@pytest.mark.asyncio
async def test_a_gatekeeper_template_compiled_as_it_is_typed(gatekept: LanguageClient):
    client = gatekept
    deploy = (GATEKEEPER / "deploy.yaml").as_uri()

    def labels(found):
        return [d.message for d in found if "must have the labels" in d.message]

    found = await diagnostics_when(client, deploy, lambda d: len(labels(d)) > 0)
    print("from the template on disk:", labels(found))
    assert labels(found)
    template = GATEKEEPER / "policy" / "required-labels.yaml"
    good = template.read_text()
    broken = good.replace("count(missing) > 0", "count(missing) > undefined_fn(0)")
    opened(client, template, broken)
    found = await diagnostics_when(
        client, template.as_uri(), lambda d: any(x.code == "policy-error" for x in d)
    )
    problem = next(x for x in found if x.code == "policy-error")
    line = next(i for i, l in enumerate(broken.splitlines()) if "undefined_fn" in l)
    print("template problem:", problem.range.start.line + 1, problem.message)
    assert problem.range.start.line == line
    changed(client, template, good.replace("must have the labels", "must have the labels, see the wiki:"), 2)
    found = await diagnostics_when(
        client, deploy, lambda d: any("see the wiki" in m for m in labels(d))
    )
    print("after the fix, unsaved:", labels(found))
    assert any("see the wiki" in m for m in labels(found))
    # The template's own list comes in the same round, after the manifest's (files in path
    # order): wait for it rather than read it the moment the manifest's arrived.
    found = await diagnostics_when(
        client, template.as_uri(), lambda d: not any(x.code == "policy-error" for x in d)
    )
    assert not any(x.code == "policy-error" for x in found)

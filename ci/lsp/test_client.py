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
            client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 10
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

-- Neovim 0.7's built-in client: start plimsoll lsp, attach it to a manifest, wait for the
-- pushed diagnostics and print them, then ask for the references of the Deployment; exit 0
-- when latest-image-tag is among the diagnostics and the Service that selects it among the
-- references.
local binary = os.getenv("PLIMSOLL_BINARY")
local file = os.getenv("PLIMSOLL_LSP_FILE")
local root = vim.fn.fnamemodify(file, ":h")
vim.cmd("edit " .. file)
local buf = vim.api.nvim_get_current_buf()
local client = vim.lsp.start_client({ name = "plimsoll", cmd = { binary, "lsp" }, root_dir = root })
vim.lsp.buf_attach_client(buf, client)
local found = vim.wait(20000, function()
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.code == "latest-image-tag" or (d.message or ""):find(":latest", 1, true) then return true end
  end
  return false
end, 100)
for _, d in ipairs(vim.diagnostic.get(buf)) do
  io.stdout:write(string.format("nvim: %d:%d %s %s\n", d.lnum + 1, d.col + 1, tostring(d.code), d.message:gsub("\n.*", "")))
end
-- From the Deployment (line 4, its name) to who refers to it: the Service whose selector
-- selects its pods.
local refs = vim.lsp.buf_request_sync(buf, "textDocument/references", {
  textDocument = { uri = vim.uri_from_bufnr(buf) },
  position = { line = 3, character = 8 },
  context = { includeDeclaration = false },
}, 20000)
local selected = false
for _, response in pairs(refs or {}) do
  for _, location in ipairs(response.result or {}) do
    io.stdout:write(string.format("nvim: referenced by %s:%d\n", location.uri, location.range.start.line + 1))
    if location.uri:find("svc.yaml", 1, true) then selected = true end
  end
end
vim.lsp.stop_client(client)
vim.cmd((found and selected) and "qall!" or "cquit!")

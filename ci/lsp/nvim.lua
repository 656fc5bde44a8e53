-- Neovim 0.7's built-in client: start plimsoll lsp, attach it to a manifest, wait for the
-- pushed diagnostics and print them; exit 0 when latest-image-tag is among them.
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
vim.lsp.stop_client(client)
vim.cmd(found and "qall!" or "cquit!")

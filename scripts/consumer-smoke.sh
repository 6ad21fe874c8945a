#!/usr/bin/env bash
# Consumer smoke test (issue 17): the packages as a user gets them. Builds and packs every package,
# installs the tarballs with npm into a scratch project outside the workspace, compiles the README
# examples with tsc and runs them with plain node, and runs the installed `diffbatt` with a third-party
# plugin named only in a diffbatt.config.json. Usage: scripts/consumer-smoke.sh [scratch-dir]
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
scratch="${1:-$(mktemp -d)}"
mkdir -p "$scratch"
scratch="$(cd "$scratch" && pwd)"
case "$scratch/" in "$repo"/*) echo "the scratch project must be outside the workspace" >&2; exit 1 ;; esac
echo "consumer smoke test in $scratch"

cd "$repo"
npx -y pnpm@10.34.9 build
rm -rf "$scratch/tarballs" && mkdir -p "$scratch/tarballs"
for dir in packages/* apps/cli; do
  (cd "$dir" && npx -y pnpm@10.34.9 pack --pack-destination "$scratch/tarballs" > /dev/null)
done

project="$scratch/project"
rm -rf "$project" && mkdir -p "$project/src"
cd "$project"
echo '{ "name": "diffbatt-consumer", "private": true, "type": "module" }' > package.json
npm install --no-audit --no-fund --loglevel=error "$scratch"/tarballs/*.tgz typescript@5.9.2 @types/node@20.19.17
cat > tsconfig.json <<'EOF'
{
  "compilerOptions": {
    "strict": true, "module": "nodenext", "target": "es2022", "outDir": "dist", "rootDir": "src",
    "skipLibCheck": true, "noUncheckedIndexedAccess": true, "types": ["node"]
  },
  "include": ["src"]
}
EOF

# The README examples, verbatim: the ```ts block after a heading of a README.
readme_block() {
  node -e '
    const [file, heading] = process.argv.slice(1);
    const text = require("node:fs").readFileSync(file, "utf8");
    const at = text.indexOf(heading);
    if (at < 0) throw new Error(`${file}: no heading ${heading}`);
    const block = /```ts\n([\s\S]*?)```/.exec(text.slice(at));
    if (!block) throw new Error(`${file}: no ts block after ${heading}`);
    process.stdout.write(block[1]);
  ' "$1" "$2"
}
readme_block "$repo/packages/diffusion/README.md" '## Example 2' > src/two-gaussians.ts
cat > src/toy.ts <<'EOF'
import { twoGaussians } from './two-gaussians.js';
const points = await twoGaussians();
let near = 0;
for (let i = 0; i < points.length / 2; i++) {
  if (Math.hypot(Math.abs(points[2 * i]!) - 1, points[2 * i + 1]!) < 0.3) near++;
}
console.log(`toy: ${(100 * near / (points.length / 2)).toFixed(1)} % of points near a centre`);
if (near < 0.9 * (points.length / 2)) process.exit(1);
EOF
readme_block "$repo/packages/pipeline/README.md" '## Predict cells' > src/predict.ts
readme_block "$repo/packages/pipeline/README.md" '## Calibrate life intervals' > src/calibrate.ts
readme_block "$repo/packages/report/README.md" '## Example' > src/report.ts
npx tsc -p .

# The examples read the bundled model from its package (@diffbatt/model-matr1), the older model and the data
# from the working directory, as in the repository.
mkdir -p models data/matr1
cp -r "$repo/models/matr1" models/
cp "$repo/data/matr1/test.dbds" "$repo/data/matr1/train.dbds" data/matr1/
node dist/toy.js
node dist/predict.js
node dist/calibrate.js
node dist/report.js
grep -q '<svg' report.html

# A third-party plugin, named only in the config file, through the installed CLI.
mkdir -p my-cells/plugins
cp "$repo/apps/cli/examples/synthetic-csv-plugin.mjs" my-cells/plugins/
echo '{ "plugins": ["./plugins/synthetic-csv-plugin.mjs"] }' > my-cells/diffbatt.config.json
(echo cycle,capacity_ah; seq 120 | awk '{ printf "%d,%.4f\n", $1, 1.1 - 0.001 * $1 }') > my-cells/synthetic-a.synthetic.csv
cd my-cells
../node_modules/.bin/diffbatt datasets list | grep -q 'synthetic-csv'
../node_modules/.bin/diffbatt datasets convert synthetic-a.synthetic.csv --out synthetic-a.dbds
test -s synthetic-a.dbds
../node_modules/.bin/diffbatt predict --model ../node_modules/@diffbatt/model-matr1/model synthetic-a.synthetic.csv --samples 2 --json - > prediction.json
node -e 'const p = JSON.parse(require("node:fs").readFileSync("prediction.json", "utf8")); if (!(p.cells[0].cycleLifeMedian > 0)) process.exit(1)'
# The foundation model's README command: a fine-tune from the installed package (2 steps here).
../node_modules/.bin/diffbatt finetune --from ../node_modules/@diffbatt/model-foundation/model-100x100 \
  --preset fast --data synthetic-a.dbds --out finetune-run --steps 2 --learning-rate 5e-4 --lr-warmup 100 --lr-decay cosine --workers 1
test -s finetune-run/model/weights.bin
echo "consumer smoke test passed"

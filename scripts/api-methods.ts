// `npm run api:methods`: rewrites scripts/lib/api-route-methods.json (route -> exported
// methods) from app/api. Run it after adding or removing a route or a method;
// test/method-not-allowed.test.ts fails until you do.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { renderTable, scanApiRoutes, tableFile } from "./lib/api-route-methods";

const root = process.cwd();
const table = scanApiRoutes(root);
writeFileSync(path.join(root, tableFile), renderTable(table));
console.log(`${tableFile}: ${Object.keys(table).length} routes`);

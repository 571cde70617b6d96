// The import rules of src/: no circles, no arrow from a lower floor to a higher one,
// and `_name.ts` files private to their room. Checked by `npm run lint:imports` (part of `npm test`).
const floors = [
  ["^src/util/", "^src/errors\\.ts$"],
  ["^src/config/", "^src/config\\.ts$"],
  ["^src/(vcf|memory|reduce|store)/"],
  ["^src/providers/"],
  ["^src/embedding/"],
  ["^src/pipeline/"],
  ["^src/metrics/"],
  ["^src/mcp/"],
  ["^src/server/"],
  ["^src/cli/", "^src/index\\.ts$"],
];
const upward = floors.flatMap((here, i) =>
  floors.slice(i + 1).map((above, j) => ({
    name: `floor-${i}-imports-floor-${i + 1 + j}`,
    comment: "a lower floor imports a higher one: the data flows one way (see docs/architecture.md)",
    severity: "error",
    from: { path: here.join("|") },
    to: { path: above.join("|") },
  })),
);

module.exports = {
  forbidden: [
    { name: "no-circular", severity: "error", comment: "files that import each other in a loop", from: {}, to: { circular: true } },
    {
      name: "private-file",
      severity: "error",
      comment: "a _name.ts file is private to its room (a folder of src/ and its subfolders): import the room's public file instead",
      from: { path: "^src/([^/]+)/" },
      to: { path: "_[^/]+\\.ts$", pathNot: "^src/$1/" },
    },
    ...upward,
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
  },
};

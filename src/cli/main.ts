#!/usr/bin/env node
import { programFor } from "./program.js";
import { reportError } from "./_run.js";

process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
});

programFor(process.argv)
  .then((program) => program.parseAsync(process.argv))
  .catch((err: unknown) => {
    process.exitCode = reportError(err);
  });

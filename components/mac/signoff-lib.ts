// The Mac sign-off's run-time library as one self-contained script (`npm run
// build:bundles` writes it to signoff-lib.cjs beside this file; a test keeps the
// committed file current): the SSH tunnel and the contrast table. The sign-off's
// dynamic provider captures its text as plain data and loads it at run time
// (closure serialization cannot carry imported modules). Node built-ins only.
export * from "./contrast";
export * from "./tunnel";

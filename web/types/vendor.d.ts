// The libraries the pages load as classic scripts from /vendor/ (npm builds, see the Makefile),
// typed from the same npm packages.
import type { io } from "socket.io-client";
import type * as echarts from "echarts";

declare global {
  interface Window {
    io?: typeof io;
    echarts?: typeof echarts;
  }
}

export {};

import cases from "./cases/monitor.ts";
import { defineDifferentialSuite } from "./harness.ts";

defineDifferentialSuite("monitor", cases);

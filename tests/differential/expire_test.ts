import cases from "./cases/expire.ts";
import { defineDifferentialSuite } from "./harness.ts";

defineDifferentialSuite("expire", cases);

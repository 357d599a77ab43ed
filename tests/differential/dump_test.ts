import cases from "./cases/dump.ts";
import { defineDifferentialSuite } from "./harness.ts";

defineDifferentialSuite("dump", cases);

import cases from "./cases/hyperloglog.ts";
import { defineDifferentialSuite } from "./harness.ts";

defineDifferentialSuite("hyperloglog", cases);

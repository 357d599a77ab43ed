import cases from "./cases/observe.ts";
import { defineDifferentialSuite } from "./harness.ts";

defineDifferentialSuite("observe", cases);

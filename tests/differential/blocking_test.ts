import cases from "./cases/blocking.ts";
import { defineDifferentialSuite } from "./harness.ts";

defineDifferentialSuite("blocking", cases);

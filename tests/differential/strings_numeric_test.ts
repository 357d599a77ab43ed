import cases from "./cases/strings_numeric.ts";
import { defineDifferentialSuite } from "./harness.ts";

defineDifferentialSuite("strings_numeric", cases);

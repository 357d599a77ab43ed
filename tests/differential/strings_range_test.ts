import cases from "./cases/strings_range.ts";
import { defineDifferentialSuite } from "./harness.ts";

defineDifferentialSuite("strings_range", cases);

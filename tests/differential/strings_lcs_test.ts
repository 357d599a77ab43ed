import cases from "./cases/strings_lcs.ts";
import { defineDifferentialSuite } from "./harness.ts";

defineDifferentialSuite("strings_lcs", cases);

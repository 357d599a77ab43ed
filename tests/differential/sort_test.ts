import cases from "./cases/sort.ts";
import { defineDifferentialSuite } from "./harness.ts";

defineDifferentialSuite("sort", cases);

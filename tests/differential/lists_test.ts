import cases from "./cases/lists.ts";
import { defineDifferentialSuite } from "./harness.ts";

defineDifferentialSuite("lists", cases);

import cases from "./cases/bitmaps.ts";
import { defineDifferentialSuite } from "./harness.ts";

defineDifferentialSuite("bitmaps", cases);

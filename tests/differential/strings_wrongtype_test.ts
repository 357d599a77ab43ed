import cases from "./cases/strings_wrongtype.ts";
import { defineDifferentialSuite } from "./harness.ts";

defineDifferentialSuite("strings_wrongtype", cases);

import cases from "./cases/acl.ts";
import { defineDifferentialSuite } from "./harness.ts";

defineDifferentialSuite("acl", cases);

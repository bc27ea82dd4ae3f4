mod compare;
mod durability;
mod fanout;
mod harness;
mod synthesis;

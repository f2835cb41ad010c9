fn main() {
    println!("not yet written");
}

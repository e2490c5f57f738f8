// Depth only: the shadow map's framebuffer has no colour attachment.
void main() {
}

declare module '*.sse' {
  const text: string;
  export default text;
}

export const label = 'directory';
